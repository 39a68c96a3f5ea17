export { generateSeed } from "./generate.js";
export type { SeedData, SeedOptions, SeedUser, SeedAgent, SeedConversation, SeedContract } from "./generate.js";
export { applySeed } from "./apply.js";
export type { ApplySeedOptions, SeedReport, SeedReportEntry, SeedStatus } from "./apply.js";
export { installAssistants } from "./install.js";
export type { InstallAssistantsOptions, InstalledAssistant } from "./install.js";
