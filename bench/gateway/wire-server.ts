// A local OpenAI-format server for the gateway bench, in its own process: prints {"port": n}
// on stdout once listening, stops on SIGTERM.
import { startOpenAiWire } from "../../integrations/test/wire/openai.js";

const wire = await startOpenAiWire({ text: "Hello from the bench server.", usage: { prompt: 12, completion: 6 } });
console.log(JSON.stringify({ port: Number(new URL(wire.url).port) }));
process.once("SIGTERM", () => void wire.close().then(() => process.exit(0)));
