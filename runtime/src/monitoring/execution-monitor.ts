import type { Scope } from "@symbia/sys";
import type { Server as SocketServer, Socket } from "socket.io";
import type { ExecutionEventMap, ExecutionEventName } from "../executions/execution.events.js";
import { isTerminal } from "../executions/execution.states.js";
import type { EngineLogger } from "../executions/execution.types.js";
import type { ExecutionService } from "../executions/executions.service.js";
import { MONITOR_EVENTS, type WatchResult } from "./monitoring.schemas.js";

interface Relay {
  off: () => void;
  /** Start of the current one-second emission window and what was sent in it. */
  windowStartedAt: number;
  sentInWindow: number;
}

/** The Socket.IO room of an execution. */
export function executionRoom(executionId: string): string {
  return `execution:${executionId}`;
}

/**
 * Live monitoring of executions over Socket.IO: one room per execution, and one subscription to
 * the execution's events per room (however many sockets watch), dropped when the last watcher
 * leaves or the execution ends. Emissions (already sampled by the engine) are also capped per
 * execution per second. Access checks are the service's: another org's execution is not found.
 */
export class ExecutionMonitor {
  private io: SocketServer | null = null;
  private readonly relays = new Map<string, Relay>();

  constructor(
    private readonly executions: ExecutionService,
    private readonly options: { emissionsPerSecond: number; logger: EngineLogger },
  ) {}

  /** Gives the monitor the server's Socket.IO instance (once the server exists). */
  attach(io: SocketServer): void {
    this.io = io;
  }

  /**
   * Joins `socket` to the room of execution `id` of the scope's org and answers what it is now.
   * @throws AppError `not_found` (absent or another org's), `unavailable` (not running in this engine).
   */
  async watch(socket: Socket, scope: Pick<Scope, "orgId">, id: string): Promise<WatchResult> {
    const execution = await this.executions.get(scope, id);
    if (isTerminal(execution.state)) return { execution, metrics: await this.executions.metrics(scope, id), watching: false };
    const room = executionRoom(id);
    if (!this.relays.has(id)) {
      const relay: Relay = { off: () => {}, windowStartedAt: 0, sentInWindow: 0 };
      this.relays.set(id, relay);
      try {
        relay.off = await this.executions.subscribe(scope, id, (event, payload) => this.relay(id, relay, event, payload));
      } catch (error) {
        if (this.relays.get(id) === relay) this.relays.delete(id);
        throw error;
      }
    }
    await socket.join(room);
    // Read after subscribing, so no state change falls between this answer and the first event.
    const now = await this.executions.get(scope, id);
    return { execution: now, metrics: await this.executions.metrics(scope, id), watching: !isTerminal(now.state) };
  }

  /** Takes `socket` out of the room of execution `id`; the subscription goes with the last watcher. */
  async unwatch(socket: Socket, id: string): Promise<{ watching: false }> {
    await socket.leave(executionRoom(id));
    this.dropIfUnwatched(id);
    return { watching: false };
  }

  /** For a disconnecting socket: drops subscriptions nobody watches any more. */
  socketLeft(rooms: Iterable<string>): void {
    for (const room of rooms) if (room.startsWith("execution:")) this.dropIfUnwatched(room.slice("execution:".length));
  }

  /** Executions with a live subscription (tests, metrics). */
  get watched(): number {
    return this.relays.size;
  }

  private relay<K extends ExecutionEventName>(id: string, relay: Relay, event: K, payload: ExecutionEventMap[K]): void {
    const io = this.io;
    if (!io) return;
    if (event === "emission") {
      const now = Date.now();
      if (now - relay.windowStartedAt >= 1_000) {
        relay.windowStartedAt = now;
        relay.sentInWindow = 0;
      }
      if (relay.sentInWindow >= this.options.emissionsPerSecond) return;
      relay.sentInWindow++;
    }
    const room = executionRoom(id);
    io.to(room).emit(MONITOR_EVENTS[event], payload);
    if (event === "state" && isTerminal((payload as ExecutionEventMap["state"]).to)) {
      // The final metrics follow the terminal state synchronously; let them out, then close the room.
      setImmediate(() => {
        this.drop(id);
        io.in(room).socketsLeave(room);
      });
    }
  }

  private dropIfUnwatched(id: string): void {
    const watchers = this.io?.sockets.adapter.rooms.get(executionRoom(id))?.size ?? 0;
    if (watchers === 0) this.drop(id);
  }

  private drop(id: string): void {
    const relay = this.relays.get(id);
    if (!relay) return;
    this.relays.delete(id);
    try {
      relay.off();
    } catch (error) {
      this.options.logger.warn({ executionId: id, err: String(error) }, "unsubscribing a monitor failed");
    }
  }
}
