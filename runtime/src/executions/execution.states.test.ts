import { describe, expect, it } from "vitest";
import { InvalidTransitionError } from "../errors.js";
import { single, startExecution } from "../../test/fixtures.js";
import { assertTransition, canTransition, EXECUTION_STATES, isTerminal, type ExecutionState } from "./execution.states.js";
import { Execution } from "./execution.js";
import { validateGraph } from "../graphs/graph.validate.js";
import { registry } from "../../test/fixtures.js";

const ALLOWED = new Set([
  "pending→initializing",
  "pending→failed",
  "pending→cancelled",
  "initializing→running",
  "initializing→failed",
  "initializing→cancelled",
  "running→paused",
  "running→completed",
  "running→failed",
  "running→cancelled",
  "paused→running",
  "paused→failed",
  "paused→cancelled",
]);

function thrown(fn: () => unknown): InvalidTransitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTransitionError);
    return error as InvalidTransitionError;
  }
  throw new Error("no error thrown");
}

describe("execution state machine", () => {
  it("allows exactly the listed transitions", () => {
    for (const from of EXECUTION_STATES) {
      for (const to of EXECUTION_STATES) {
        expect(canTransition(from, to), `${from}→${to}`).toBe(ALLOWED.has(`${from}→${to}`));
      }
    }
    expect(EXECUTION_STATES.filter(isTerminal)).toEqual(["completed", "failed", "cancelled"]);
  });

  it("throws a typed 409 error naming both states and the allowed ones", () => {
    const error = thrown(() => assertTransition("completed", "running"));
    expect(error.code).toBe("conflict");
    expect(error.message).toBe("execution cannot go from completed to running");
    expect(error.details).toEqual({ from: "completed", to: "running", allowed: [] });
    expect(thrown(() => assertTransition("pending", "paused")).details).toEqual({ from: "pending", to: "paused", allowed: ["initializing", "failed", "cancelled"] });
  });

  it("walks pending → initializing → running → paused → running → completed and reports each change", async () => {
    const execution = new Execution({ id: "e1", orgId: "org_a", graph: validateGraph(single("passthrough"), registry), options: { metricsIntervalMs: 0 } });
    const seen: string[] = [];
    execution.events.on("state", (e) => seen.push(`${e.from}→${e.to}`));
    expect(execution.state).toBe("pending");
    await execution.start();
    execution.pause();
    execution.resume();
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
    expect(seen).toEqual(["pending→initializing", "initializing→running", "running→paused", "paused→running", "running→completed"]);
  });

  it("refuses invalid requests on a live execution with InvalidTransitionError", async () => {
    const pending = new Execution({ id: "e2", orgId: "org_a", graph: validateGraph(single("passthrough"), registry) });
    expect(thrown(() => pending.pause()).from).toBe("pending");
    expect(thrown(() => pending.resume()).to).toBe("running");

    const execution = await startExecution(single("passthrough"));
    expect(thrown(() => execution.resume()).from).toBe("running");
    await expect(execution.start()).rejects.toBeInstanceOf(InvalidTransitionError);
    execution.cancel();
    expect(execution.state).toBe("cancelled");
    expect(thrown(() => execution.cancel()).from).toBe("cancelled");
    expect(thrown(() => execution.pause()).details).toEqual({ from: "cancelled", to: "paused", allowed: [] });
  });

  it("can be cancelled before it starts and while paused", async () => {
    const pending = new Execution({ id: "e3", orgId: "org_a", graph: validateGraph(single("passthrough"), registry) });
    pending.cancel();
    expect(pending.state).toBe("cancelled");
    await expect(pending.start()).rejects.toBeInstanceOf(InvalidTransitionError);

    const paused = await startExecution(single("passthrough"));
    paused.pause();
    paused.cancel();
    const states: ExecutionState[] = [paused.state];
    expect(states).toEqual(["cancelled"]);
  });
});
