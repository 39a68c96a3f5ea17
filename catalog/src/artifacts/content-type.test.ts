import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { checkDeclaredType, contentProblem, essenceOf, isAllowedType, isTextual, UploadMeter } from "./content-type.js";

describe("declared types", () => {
  it("folds parameters, case and aliases", () => {
    expect(essenceOf("Text/Plain; charset=UTF-8")).toBe("text/plain");
    expect(essenceOf("application/x-gzip")).toBe("application/gzip");
  });
  it("checks the allow-list with type/* wildcards (415 otherwise)", () => {
    expect(isAllowedType("text/csv", ["text/*"])).toBe(true);
    expect(isAllowedType("application/gzip", ["application/x-gzip"])).toBe(true);
    expect(() => checkDeclaredType("application/x-msdownload", ["text/*"])).toThrow(expect.objectContaining({ code: "unsupported_media_type" }));
  });
  it("knows which types are text", () => {
    expect(["text/markdown", "application/json", "application/ld+json", "image/svg+xml"].every(isTextual)).toBe(true);
    expect(isTextual("application/gzip")).toBe(false);
  });
});

describe("contentProblem", () => {
  const gz = gzipSync(Buffer.from("x"));
  it("accepts bytes that match the declaration", async () => {
    expect(await contentProblem("application/gzip", gz, true)).toBeNull();
    expect(await contentProblem("text/plain", Buffer.from("hello"), true)).toBeNull();
    expect(await contentProblem("application/octet-stream", gz, true)).toBeNull();
    expect(await contentProblem("application/x-custom", Buffer.from("anything"), true)).toBeNull();
  });
  it("refuses bytes that contradict it", async () => {
    expect(await contentProblem("image/png", gz, true)).toMatch(/are application\/gzip/);
    expect(await contentProblem("image/png", Buffer.from("plain"), true)).toMatch(/signature/);
    expect(await contentProblem("text/plain", gz, false)).toMatch(/application\/gzip/);
    expect(await contentProblem("application/json", Buffer.from([0xff]), false)).toMatch(/UTF-8/);
  });
});

describe("UploadMeter", () => {
  const drain = () => new Writable({ write: (_c, _e, cb) => cb() });
  it("hashes and counts what passes, and checks UTF-8 across chunk boundaries", async () => {
    const euro = Buffer.from("€");
    const meter = new UploadMeter(100, true);
    await pipeline(Readable.from([euro.subarray(0, 1), euro.subarray(1)]), meter, drain());
    expect(meter.size).toBe(3);
    expect(meter.validUtf8).toBe(true);
    expect(meter.digest()).toBe(`sha256:${createHash("sha256").update(euro).digest("hex")}`);
  });
  it("fails with 413 past the limit", async () => {
    await expect(pipeline(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), new UploadMeter(100, false), drain())).rejects.toMatchObject({ code: "payload_too_large" });
  });
  it("notices a truncated UTF-8 sequence at the end", async () => {
    const meter = new UploadMeter(100, true);
    await pipeline(Readable.from([Buffer.from("€").subarray(0, 2)]), meter, drain());
    expect(meter.validUtf8).toBe(false);
  });
});
