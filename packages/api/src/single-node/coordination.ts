import { type Clock, systemClock } from '@ogent/executor';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../ports/coordination.js';
import type { Coordination } from '../ports/coordination.js';

/** The single node's coordination: slots, leases and counters in this process's memory. */
export class InProcessCoordination implements Coordination {
  /** Per user: holder -> when the slot expires. */
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  readonly limiters: LimiterFactory = (options) => new RateLimiterMemory(options);

  constructor(private readonly clock: Clock = systemClock) {}

  /** The single node is the only instance. */
  announce(): Promise<number> {
    return Promise.resolve(1);
  }

  acquireSlot(
    username: string,
    limit: number,
    holder: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; running: number }> {
    const held = this.held(username);
    const running = held.size;
    if (running >= limit) return Promise.resolve({ acquired: false, running });
    held.set(holder, this.clock.now() + ttlMs);
    this.slots.set(username, held);
    return Promise.resolve({ acquired: true, running });
  }

  renewSlot(username: string, holder: string, ttlMs: number): Promise<void> {
    const held = this.slots.get(username);
    if (held?.has(holder) === true) held.set(holder, this.clock.now() + ttlMs);
    return Promise.resolve();
  }

  releaseSlot(username: string, holder: string): Promise<void> {
    const held = this.slots.get(username);
    held?.delete(holder);
    if (held?.size === 0) this.slots.delete(username);
    return Promise.resolve();
  }

  claim(executionId: string, owner: string, ttlMs: number): Promise<void> {
    this.leases.set(executionId, { owner, until: this.clock.now() + ttlMs });
    return Promise.resolve();
  }

  release(executionId: string, owner: string): Promise<void> {
    if (this.leases.get(executionId)?.owner === owner) this.leases.delete(executionId);
    return Promise.resolve();
  }

  ownerOf(executionId: string): Promise<string | undefined> {
    const lease = this.leases.get(executionId);
    if (lease === undefined) return Promise.resolve(undefined);
    if (lease.until <= this.clock.now()) {
      this.leases.delete(executionId);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(lease.owner);
  }

  /** A user's unexpired slots (expired ones are dropped on the way). */
  private held(username: string): Map<string, number> {
    const held = this.slots.get(username) ?? new Map<string, number>();
    const now = this.clock.now();
    for (const [holder, until] of held) if (until <= now) held.delete(holder);
    return held;
  }
}
