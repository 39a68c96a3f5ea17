export * from "./common.js";
export { JsonSchema, jsonSchemaProblem } from "./json-schema.js";
export type { JsonSchemaDocument } from "./json-schema.js";
export * from "./bodies.js";
export {
  Resource, CreateResourceBody, createResourceBodySchema, UpdateResourceBody, ResourceRefParams, ListResourcesQuery, GrantAccess, Grant, PutGrantBody, GrantParams,
  HistoryEvent, ResourceTypeInfo,
} from "./resources.js";
export type { CreateResourceInput } from "./resources.js";
export * from "./versions.js";
export * from "./artifacts.js";
export {
  SigningKey, RegisterSigningKeyBody, SignatureValue, AddSignatureBody, Signature, VerifyBody, VerificationResult, VerifyResponse, SigningKeyParams,
} from "./signatures.js";
export * from "./search.js";
export * from "./events.js";
export { canonicalJson, sha256Digest, contentDigest, signatureMessage } from "./digest.js";
export { CatalogClient } from "./client.js";
export type { CatalogClientOptions, TokenSource, VersionRef, ArtifactVersionRef, UploadSource, ArtifactDownload } from "./client.js";
