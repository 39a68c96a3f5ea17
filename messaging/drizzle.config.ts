// drizzle-kit: `npm run db:generate -w @symbia/messaging-service -- --name <change>`
export default { dialect: "postgresql", schema: "./src/db/schema.ts", out: "./src/db/migrations" };
