/**
 * Typing indicators of this instance: each `(conversation, principal)` expires `ttlMs` after its
 * last renewal, calling the expiry callback once (which broadcasts `typing:stopped`).
 */
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly ttlMs: number) {}

  /** Starts or renews an indicator; true when it was not already on. */
  start(conversationId: string, principalId: string, onExpire: () => void): boolean {
    const key = `${conversationId}\n${principalId}`;
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      onExpire();
    }, this.ttlMs);
    timer.unref();
    this.timers.set(key, timer);
    return !existing;
  }

  /** Stops an indicator; true when it was on. */
  stop(conversationId: string, principalId: string): boolean {
    const key = `${conversationId}\n${principalId}`;
    const existing = this.timers.get(key);
    if (!existing) return false;
    clearTimeout(existing);
    this.timers.delete(key);
    return true;
  }

  /** True while the indicator is on. */
  isTyping(conversationId: string, principalId: string): boolean {
    return this.timers.has(`${conversationId}\n${principalId}`);
  }

  /** Clears every timer (shutdown). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
