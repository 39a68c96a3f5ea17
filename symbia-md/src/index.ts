export { toLlmsTxt, toLlmsFullTxt, operationAnchor } from "./llms.js";
export type { LlmsOptions } from "./llms.js";
export { listOperations, resolveSchema, exampleFor, METHODS } from "./openapi.js";
export type { OpenApiDocument, Operation, JsonSchema } from "./openapi.js";
