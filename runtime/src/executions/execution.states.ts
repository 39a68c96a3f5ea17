import { InvalidTransitionError } from "../errors.js";

/** The states of an execution, in their usual order. */
export const EXECUTION_STATES = ["pending", "initializing", "running", "paused", "completed", "failed", "cancelled"] as const;
/** One of {@link EXECUTION_STATES}. */
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/** The allowed transitions. Terminal states have none. */
export const TRANSITIONS: Readonly<Record<ExecutionState, readonly ExecutionState[]>> = Object.freeze({
  pending: ["initializing", "failed", "cancelled"],
  initializing: ["running", "failed", "cancelled"],
  running: ["paused", "completed", "failed", "cancelled"],
  paused: ["running", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
});

/** True for completed, failed and cancelled. */
export function isTerminal(state: ExecutionState): boolean {
  return TRANSITIONS[state].length === 0;
}

/** True when `from → to` is allowed. */
export function canTransition(from: ExecutionState, to: ExecutionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** @throws InvalidTransitionError (409 `conflict`) when `from → to` is not allowed. */
export function assertTransition(from: ExecutionState, to: ExecutionState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, TRANSITIONS[from]);
}
