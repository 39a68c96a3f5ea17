// drizzle-kit settings: `npx drizzle-kit generate --name <name>` from this folder.
export default { dialect: "postgresql", schema: "./src/db/schema.ts", out: "./src/db/migrations" };
