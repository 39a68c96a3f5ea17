#!/usr/bin/env node
// The `symbia` command. The CLI ships as TypeScript source and runs under tsx's loader.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/index.ts");
process.exitCode = await run(process.argv);
