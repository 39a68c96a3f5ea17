export { generateSeed } from "./generate.js";
export type { SeedData, SeedOptions, SeedUser, SeedAgent, SeedConversation, SeedContract } from "./generate.js";
