import { describe, expect, it } from "vitest";
import { isAppError } from "@symbia/sys";
import { allowedTransitions, assistantMayRespond, canTransition, CONVERSATION_STATES, CONVERSATION_TRANSITIONS, transitionConversation, type ConversationState } from "./state.js";

// The full table, written out independently: [from, to, allowed].
const ALLOWED: Record<ConversationState, ConversationState[]> = {
  idle: ["ai_active", "handoff_pending", "agent_active", "resolved", "archived"],
  ai_active: ["waiting_for_user", "idle", "handoff_pending", "agent_active", "resolved"],
  waiting_for_user: ["ai_active", "idle", "handoff_pending", "agent_active", "resolved"],
  handoff_pending: ["agent_active", "ai_active", "idle", "resolved"],
  agent_active: ["ai_active", "idle", "waiting_for_user", "handoff_pending", "resolved"],
  resolved: ["idle", "ai_active", "archived"],
  archived: [],
};

describe("conversation state machine", () => {
  it("allows exactly the transitions of the table, for all 49 pairs", () => {
    for (const from of CONVERSATION_STATES) {
      for (const to of CONVERSATION_STATES) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(ALLOWED[from].includes(to));
      }
      expect([...allowedTransitions(from)].sort()).toEqual([...ALLOWED[from]].sort());
    }
    expect(Object.keys(CONVERSATION_TRANSITIONS).sort()).toEqual([...CONVERSATION_STATES].sort());
  });

  it("never allows a state to move to itself, and archived is terminal", () => {
    for (const state of CONVERSATION_STATES) expect(canTransition(state, state)).toBe(false);
    expect(allowedTransitions("archived")).toEqual([]);
  });

  it("transitionConversation throws conflict with the allowed targets", () => {
    expect(transitionConversation("ai_active", "handoff_pending")).toEqual({ from: "ai_active", to: "handoff_pending", unchanged: false });
    try {
      transitionConversation("archived", "ai_active");
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe("conflict");
      expect((error as { details: unknown }).details).toEqual({ from: "archived", to: "ai_active", allowed: [] });
    }
  });

  it("treats the same state as a no-op only when asked", () => {
    expect(transitionConversation("agent_active", "agent_active", { allowSame: true })).toMatchObject({ unchanged: true });
    expect(() => transitionConversation("agent_active", "agent_active")).toThrow(/cannot go from agent_active to agent_active/);
  });

  it("assistants stay silent while a handoff is pending, a human is active or the conversation is archived", () => {
    expect(CONVERSATION_STATES.filter(assistantMayRespond)).toEqual(["idle", "ai_active", "waiting_for_user", "resolved"]);
  });
});
