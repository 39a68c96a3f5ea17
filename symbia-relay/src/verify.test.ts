import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createEnvelope, type SignedEnvelope, type UnsignedEnvelope } from "./envelope.js";
import { deriveNodeKey, NODE_KEY_SALT } from "./keys.js";
import { ReplayCache } from "./replay.js";
import { canonicalEnvelope, computeSignature, signatureMatches, signEnvelope } from "./signing.js";
import { verifyEnvelope } from "./verify.js";

const SECRET = "a-network-secret-of-at-least-thirty-two-bytes!";
const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const keyA = deriveNodeKey(SECRET, "service:messaging");
const keyB = deriveNodeKey(SECRET, "service:assistants");

function event(overrides: Partial<UnsignedEnvelope> = {}): UnsignedEnvelope {
  return createEnvelope(
    {
      type: "message.new",
      source: "service:messaging",
      target: "service:assistants",
      runId: "run-1",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      orgId: "org-1",
      boundary: "intra",
      principal: { id: "usr-1", type: "user", entityId: "ent_user1" },
      data: { text: "hello", n: 1, nested: { list: [1, 2, 3] } },
      ...overrides,
    },
    new Date(NOW),
  );
}

/** What a wire round trip does to an envelope. */
function overTheWire<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

function verify(input: unknown, cache = new ReplayCache(), now = NOW) {
  return verifyEnvelope(input, { key: (source) => (source === "service:messaging" ? keyA : source === "service:assistants" ? keyB : undefined), replayCache: cache, now });
}

describe("signEnvelope / verifyEnvelope", () => {
  it("accepts an envelope signed by its source's key after a JSON round trip", () => {
    const signed = signEnvelope(event(), keyA);
    expect(signed.signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const result = verify(overTheWire(signed));
    expect(result).toEqual({ ok: true, envelope: expect.objectContaining({ id: signed.id, data: signed.data }) });
  });

  it("rejects a tampered event (one byte of data changed) as bad_signature", () => {
    const signed = signEnvelope(event(), keyA);
    const wire = JSON.stringify(signed);
    const tampered = JSON.parse(wire.replace('"hello"', '"hellp"')) as SignedEnvelope;
    expect((tampered.data as { text: string }).text).toBe("hellp");
    const result = verify(tampered);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe("bad_signature");
    expect(!result.ok && result.eventId).toBe(signed.id);
  });

  it("rejects an event signed with another node's key as bad_signature", () => {
    // service:assistants signs but claims to be service:messaging.
    const forged = signEnvelope(event(), keyB);
    const result = verify(overTheWire(forged));
    expect(!result.ok && result.reason).toBe("bad_signature");
  });

  it("covers every field: changing the acting principal, target or boundary breaks the signature", () => {
    const signed = signEnvelope(event(), keyA);
    for (const change of [
      { principal: { id: "usr-2", type: "user", entityId: "ent_user2" } },
      { target: "service:runtime" },
      { boundary: "extra" },
      { dataClass: "pii" },
    ]) {
      const result = verify({ ...signed, ...change });
      expect(!result.ok && result.reason, JSON.stringify(change)).toBe("bad_signature");
    }
  });

  it("rejects a replayed event id as replayed, and only after the first copy was accepted", () => {
    const cache = new ReplayCache();
    const signed = overTheWire(signEnvelope(event(), keyA));
    expect(verify(signed, cache).ok).toBe(true);
    const again = verify(signed, cache, NOW + 1_000);
    expect(!again.ok && again.reason).toBe("replayed");
    // The same id from another source is a different event.
    expect(verify(overTheWire(signEnvelope(event({ id: (signed as SignedEnvelope).id, source: "service:assistants" }), keyB)), cache).ok).toBe(true);
  });

  it("does not let a forged copy burn an id: a bad signature is not recorded", () => {
    const cache = new ReplayCache();
    const genuine = signEnvelope(event(), keyA);
    expect(verify({ ...genuine, signature: computeSignature(genuine, keyB) }, cache).ok).toBe(false);
    expect(verify(overTheWire(genuine), cache).ok).toBe(true);
  });

  it("rejects an event outside the time window as expired or future_timestamp", () => {
    const old = signEnvelope(event({ timestamp: new Date(NOW - 61_000).toISOString() }), keyA);
    const oldResult = verify(overTheWire(old));
    expect(!oldResult.ok && oldResult.reason).toBe("expired");
    const ahead = signEnvelope(event({ timestamp: new Date(NOW + 6_000).toISOString() }), keyA);
    const aheadResult = verify(overTheWire(ahead));
    expect(!aheadResult.ok && aheadResult.reason).toBe("future_timestamp");
    // Inside the window on both sides.
    expect(verify(overTheWire(signEnvelope(event({ timestamp: new Date(NOW - 59_000).toISOString() }), keyA))).ok).toBe(true);
    expect(verify(overTheWire(signEnvelope(event({ timestamp: new Date(NOW + 4_000).toISOString() }), keyA))).ok).toBe(true);
  });

  it("honours custom window sizes", () => {
    const signed = overTheWire(signEnvelope(event({ timestamp: new Date(NOW - 10_000).toISOString() }), keyA));
    const tight = verifyEnvelope(signed, { key: keyA, replayCache: null, now: NOW, maxAgeMs: 5_000 });
    expect(!tight.ok && tight.reason).toBe("expired");
    expect(verifyEnvelope(signed, { key: keyA, replayCache: null, now: NOW, maxAgeMs: 20_000 }).ok).toBe(true);
  });

  it("rejects malformed envelopes with the failing paths", () => {
    const signed = signEnvelope(event(), keyA);
    const cases: Array<[unknown, string]> = [
      [null, "(root)"],
      [{ ...signed, extra: 1 }, "(root)"],
      [{ ...signed, signature: undefined }, "signature"],
      [{ ...signed, boundary: "galactic" }, "boundary"],
      [{ ...signed, type: "nodots" }, "type"],
      [{ ...signed, timestamp: "yesterday" }, "timestamp"],
      [{ ...signed, principal: { id: "x", type: "user" } }, "principal.entityId"],
      [{ ...signed, data: { when: new Date(NOW) } }, "data"],
    ];
    for (const [input, path] of cases) {
      const result = verify(input);
      expect(result.ok, path).toBe(false);
      expect(!result.ok && result.reason, path).toBe("malformed");
      expect(!result.ok && result.issues?.some((issue) => issue.startsWith(path)), `${path}: ${JSON.stringify(!result.ok && result.issues)}`).toBe(true);
    }
  });

  it("answers unknown_source when no key is known for the source", () => {
    const stranger = signEnvelope(event({ source: "service:models" }), deriveNodeKey(SECRET, "service:models"));
    const result = verify(overTheWire(stranger));
    expect(!result.ok && result.reason).toBe("unknown_source");
  });

  it("answers too_large above maxBytes", () => {
    const big = signEnvelope(event({ data: { blob: "x".repeat(2_000) } }), keyA);
    const result = verifyEnvelope(overTheWire(big), { key: keyA, replayCache: null, now: NOW, maxBytes: 1_000 });
    expect(!result.ok && result.reason).toBe("too_large");
  });

  it("lets the network re-sign for the receiver: the receiver's key verifies, the source's does not", () => {
    const fromA = signEnvelope(event(), keyA);
    const delivered = signEnvelope(fromA, keyB);
    expect(delivered.signature).not.toBe(fromA.signature);
    expect(verifyEnvelope(overTheWire(delivered), { key: keyB, replayCache: null, now: NOW }).ok).toBe(true);
    expect(signatureMatches(delivered, keyA)).toBe(false);
  });
});

describe("canonicalEnvelope (RFC 8785)", () => {
  it("does not depend on key order, whitespace or number spelling", () => {
    const signed = signEnvelope(event({ data: { b: 1, a: { z: true, y: [1.0, "é"] } } }), keyA);
    const reordered = JSON.parse(
      `{ "signature": "${signed.signature}", "data": { "a": { "y": [1.00, "\\u00e9"], "z": true }, "b": 1e0 },
         ${Object.entries(signed)
           .filter(([k]) => k !== "data" && k !== "signature")
           .reverse()
           .map(([k, v]) => `${JSON.stringify(k)} :  ${JSON.stringify(v)}`)
           .join(",\n")} }`,
    );
    expect(Object.keys(reordered)[0]).toBe("signature");
    expect(canonicalEnvelope(reordered).equals(canonicalEnvelope(signed))).toBe(true);
    expect(verify(reordered).ok).toBe(true);
  });

  it("serializes as RFC 8785 specifies: sorted keys, no whitespace, shortest numbers, no signature", () => {
    const text = canonicalEnvelope({ signature: "s", b: [1e21, 0.5, -0], a: "\u2028", c: { y: null, x: false } }).toString("utf8");
    expect(text).toBe('{"a":"\u2028","b":[1e+21,0.5,0],"c":{"x":false,"y":null}}');
  });

  it("refuses values JSON cannot carry", () => {
    expect(() => canonicalEnvelope({ n: Number.NaN })).toThrow(/NaN/);
    expect(() => computeSignature({ n: Number.POSITIVE_INFINITY }, keyA)).toThrow(/Infinity/);
  });
});

describe("deriveNodeKey (HKDF-SHA256, RFC 5869)", () => {
  // RFC 5869 §2.2–2.3 written out with HMAC, to pin the documented salt and info.
  function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
    const prk = createHmac("sha256", salt).update(ikm).digest();
    let previous = Buffer.alloc(0);
    const out: Buffer[] = [];
    for (let i = 1; Buffer.concat(out).length < length; i++) {
      previous = createHmac("sha256", prk).update(Buffer.concat([previous, info, Buffer.from([i])])).digest();
      out.push(previous);
    }
    return Buffer.concat(out).subarray(0, length);
  }

  it("is HKDF-SHA256 with the documented salt and info, 32 bytes", () => {
    const expected = hkdf(Buffer.from(SECRET), Buffer.from(NODE_KEY_SALT), Buffer.from("node:service:messaging"), 32);
    expect(keyA.equals(expected)).toBe(true);
    expect(keyA).toHaveLength(32);
  });

  it("gives each node its own key and the same key every time", () => {
    expect(deriveNodeKey(SECRET, "service:messaging").equals(keyA)).toBe(true);
    expect(keyA.equals(keyB)).toBe(false);
    expect(deriveNodeKey(`${SECRET}x`, "service:messaging").equals(keyA)).toBe(false);
  });

  it("refuses a short secret and an invalid node id", () => {
    expect(() => deriveNodeKey("too-short", "n1")).toThrow(/at least 32 bytes/);
    expect(() => deriveNodeKey(SECRET, "type/assistant")).toThrow(/invalid node id/);
  });
});
