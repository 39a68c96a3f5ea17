import { generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentDigest, signatureMessage } from "./digest.js";

describe("contentDigest", () => {
  it("hashes the RFC 8785 canonical form: key order and spacing do not matter", () => {
    expect(canonicalJson({ b: [1, 2.5, "é"], a: { y: null, x: true } })).toBe('{"a":{"x":true,"y":null},"b":[1,2.5,"é"]}');
    expect(contentDigest({ b: 1, a: 2 })).toBe(contentDigest(JSON.parse('{ "a": 2, "b": 1 }')));
    // Known vector: sha256 of the 13 bytes {"a":2,"b":1}.
    expect(contentDigest({ b: 1, a: 2 })).toBe("sha256:d3626ac30a87e6f7a6428233b3c68299976865fa5508e4267c5415c76af7a772");
  });

  it("refuses values without a JSON form", () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

describe("signatureMessage", () => {
  it("is the digest text, signed and verified with Ed25519", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const digest = contentDigest({ hello: "world" });
    const signature = sign(null, signatureMessage(digest), privateKey);
    expect(verify(null, signatureMessage(digest), publicKey, signature)).toBe(true);
    expect(verify(null, signatureMessage(contentDigest({ hello: "there" })), publicKey, signature)).toBe(false);
  });
});
