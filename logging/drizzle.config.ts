// drizzle-kit: `npm run db:generate -w @symbia/logging-service -- --name <change>`
export default { dialect: "postgresql", schema: "./src/db/schema.ts", out: "./src/db/migrations" };
