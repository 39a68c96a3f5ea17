import { AppError } from "@symbia/sys";
import { z } from "zod";

/**
 * States of a conversation as the assistants service sees it:
 * - `idle`: nobody is working on it; the next user message starts a turn.
 * - `ai_active`: an assistant is producing an answer (a run is active).
 * - `waiting_for_user`: an assistant asked something and waits for the user.
 * - `handoff_pending`: a handoff was requested; nobody answers until a human or another
 *   assistant takes it (or it is declined).
 * - `agent_active`: a human agent is answering; assistants stay silent.
 * - `resolved`: the matter is closed; a new user message reopens it.
 * - `archived`: closed for good (terminal).
 */
export const CONVERSATION_STATES = ["idle", "ai_active", "waiting_for_user", "handoff_pending", "agent_active", "resolved", "archived"] as const;

/** One of {@link CONVERSATION_STATES}. */
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** Zod schema of a {@link ConversationState}. */
export const ConversationState = z.enum(CONVERSATION_STATES);

/**
 * The transition table: for each state, the states it may move to. A state never moves to
 * itself (a repeated event is not a transition: callers treat `from === to` as a no-op if they
 * want idempotency, see {@link transitionConversation}).
 */
export const CONVERSATION_TRANSITIONS: Readonly<Record<ConversationState, readonly ConversationState[]>> = {
  // a user message starts a turn; an agent may pick it up directly; it may be closed as is
  idle: ["ai_active", "handoff_pending", "agent_active", "resolved", "archived"],
  // the assistant answers, asks, hands off, finishes the turn, or a human takes over (preempt)
  ai_active: ["waiting_for_user", "idle", "handoff_pending", "agent_active", "resolved"],
  // the user answers (a new turn), goes quiet (idle after a timer), or asks for a human
  waiting_for_user: ["ai_active", "idle", "handoff_pending", "agent_active", "resolved"],
  // accepted by a human (agent_active) or by another assistant / declined (ai_active, idle)
  handoff_pending: ["agent_active", "ai_active", "idle", "resolved"],
  // the human hands back (handoff.completed → ai_active or idle), transfers, waits, or closes
  agent_active: ["ai_active", "idle", "waiting_for_user", "handoff_pending", "resolved"],
  // a new message reopens it; or it is archived
  resolved: ["idle", "ai_active", "archived"],
  archived: [],
};

/** True when `from` may move to `to` according to {@link CONVERSATION_TRANSITIONS}. */
export function canTransition(from: ConversationState, to: ConversationState): boolean {
  return CONVERSATION_TRANSITIONS[from].includes(to);
}

/** The states `from` may move to. */
export function allowedTransitions(from: ConversationState): readonly ConversationState[] {
  return CONVERSATION_TRANSITIONS[from];
}

/** A validated transition, ready to be persisted and published. */
export interface ConversationTransition {
  from: ConversationState;
  to: ConversationState;
  /** True when `from === to` and `options.allowSame` was set: nothing changes. */
  unchanged: boolean;
}

/**
 * Validates a transition.
 * @param options.allowSame treat `from === to` as an unchanged no-op instead of an error
 *   (for idempotent event consumers).
 * @throws AppError("conflict") when the table does not allow it, with
 *   `details: { from, to, allowed }`.
 */
export function transitionConversation(from: ConversationState, to: ConversationState, options: { allowSame?: boolean } = {}): ConversationTransition {
  if (from === to && options.allowSame) return { from, to, unchanged: true };
  if (!canTransition(from, to)) {
    throw new AppError("conflict", `a conversation cannot go from ${from} to ${to}`, { from, to, allowed: allowedTransitions(from) });
  }
  return { from, to, unchanged: false };
}

/**
 * True when an assistant may answer in this state: not while a handoff is pending, a human
 * agent is active, or the conversation is archived. (`resolved` reopens on a new message.)
 */
export function assistantMayRespond(state: ConversationState): boolean {
  return state === "idle" || state === "ai_active" || state === "waiting_for_user" || state === "resolved";
}
