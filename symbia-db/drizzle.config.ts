// drizzle-kit settings for the test fixture schema (services keep their own beside src/db).
export default { dialect: "postgresql", schema: "./test/fixture/schema.ts", out: "./test/fixture/migrations" };
