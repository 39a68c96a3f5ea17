import { describe, expect, it } from "vitest";
import { classifyError, ProviderError, retryAfterMs, scrubSecret } from "./errors.js";

describe("classifyError", () => {
  it("lets the caller's knowledge win: cancelled, then timed out", () => {
    expect(classifyError(new Error("aborted"), { provider: "p", cancelled: true, timedOut: true }).category).toBe("cancelled");
    expect(classifyError(new Error("aborted"), { provider: "p", timedOut: true })).toMatchObject({ category: "timeout", info: { retryable: true } });
  });

  it("reads an open circuit, stream error types without status, and network failures", () => {
    expect(classifyError(Object.assign(new Error("Breaker is open"), { code: "EOPENBREAKER" }), { provider: "p" })).toMatchObject({ category: "provider", info: { circuitOpen: true } });
    expect(classifyError({ message: "overloaded", error: { type: "error", error: { type: "overloaded_error" } } }, { provider: "p" }).category).toBe("provider");
    expect(classifyError({ message: "slow down", error: { error: { type: "rate_limit_error" } } }, { provider: "p" }).category).toBe("rate_limit");
    expect(classifyError(new TypeError("fetch failed"), { provider: "p" })).toMatchObject({ category: "provider", info: { retryable: true } });
    expect(classifyError({ name: "InputError", message: "bad" }, { provider: "p" }).category).toBe("invalid_request");
    const existing = new ProviderError("auth", "x");
    expect(classifyError(existing, { provider: "p" })).toBe(existing);
  });

  it("never keeps the credential in the message", () => {
    const secret = "sk-live-0123456789abcdef";
    const e = classifyError({ status: 401, message: `bad key ${secret} (sk-live-0…cdef)` }, { provider: "openai", secret });
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain("sk-live-0");
    expect(scrubSecret("abc", null)).toBe("abc");
  });
});

describe("retryAfterMs", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }))).toBe(3000);
    const inTwo = new Date(Date.now() + 2_000).toUTCString();
    expect(retryAfterMs(new Headers({ "retry-after": inTwo }))).toBeGreaterThan(500);
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
