import { describe, expect, it } from "vitest";
import { ControlBody, CreateConversationBody, Metadata, SendMessageBody, SocketControlPayload } from "../index.js";

describe("wire schemas", () => {
  it("refuse unknown control names and require each control's fields", () => {
    expect(ControlBody.safeParse({ event: "explode" }).success).toBe(false);
    expect(ControlBody.safeParse({ event: "route" }).success).toBe(false);
    expect(ControlBody.safeParse({ event: "handoff", to: "assistant:x" }).success).toBe(true);
    expect(SocketControlPayload.safeParse({ conversationId: "00000000-0000-4000-8000-000000000000", event: "pause" }).success).toBe(true);
    expect(SocketControlPayload.safeParse({ event: "pause" }).success).toBe(false);
  });

  it("check json content, refuse event content and binary metadata", () => {
    expect(SendMessageBody.safeParse({ content: "{}", contentType: "json" }).success).toBe(true);
    expect(SendMessageBody.safeParse({ content: "{", contentType: "json" }).success).toBe(false);
    expect(SendMessageBody.safeParse({ content: "x", contentType: "event" }).success).toBe(false);
    expect(SendMessageBody.parse({ content: "x" })).toEqual({ content: "x", contentType: "text", priority: "normal" });
    expect(Metadata.safeParse({ a: [1, "b", { c: null }] }).success).toBe(true);
    expect(Metadata.safeParse({ a: new Uint8Array(2) }).success).toBe(false);
    expect(Metadata.safeParse({ a: Number.NaN }).success).toBe(false);
  });

  it("give a private conversation exactly two participants", () => {
    expect(CreateConversationBody.safeParse({ type: "private", participants: [{ principalId: "u2" }] }).success).toBe(true);
    expect(CreateConversationBody.safeParse({ type: "private", participants: [] }).success).toBe(false);
    expect(CreateConversationBody.safeParse({ type: "group", participants: [{ principalId: "u2", entityId: "ent_x" }] }).success).toBe(false);
  });
});
