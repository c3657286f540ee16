/**
 * Counts failures per key in a sliding window and blocks the key once it has too many. Used for
 * sign-in: by username and by client address, so that neither guessing one account's password
 * nor spraying many accounts from one address gets far.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the key may try again, or 0 if it may now. */
  retryAfter(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures] ?? this.now();
    return Math.max(0, oldest + this.windowMs - this.now());
  }

  /**
   * Counts an attempt as a failure before its outcome is known, and returns a function that takes
   * it back. Checking a password takes time: counting only once it has failed would let every
   * guess sent at the same moment pass the limit before any of them is counted.
   */
  attempt(key: string): () => void {
    const recent = this.recent(key);
    const at = this.now();
    recent.push(at);
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.sweep();
    return () => {
      const current = this.failures.get(key);
      const index = current?.lastIndexOf(at) ?? -1;
      if (current === undefined || index === -1) return;
      current.splice(index, 1);
      if (current.length === 0) this.failures.delete(key);
    };
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  /** Bounds memory when many keys are tried (an address spraying usernames). */
  private sweep(): void {
    for (const key of this.failures.keys()) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}
