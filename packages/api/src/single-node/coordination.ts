import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../auth/login-throttle.js';
import { type Clock, systemClock } from '@ogent/executor';
import type { Coordination } from '../ports/coordination.js';

/** The single node's coordination: counters and leases in this process's memory. */
export class InProcessCoordination implements Coordination {
  private readonly slots = new Map<string, number>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  readonly limiters: LimiterFactory = (options) => new RateLimiterMemory(options);

  constructor(private readonly clock: Clock = systemClock) {}

  acquireSlot(username: string, limit: number): Promise<{ acquired: boolean; running: number }> {
    const running = this.slots.get(username) ?? 0;
    if (running >= limit) return Promise.resolve({ acquired: false, running });
    this.slots.set(username, running + 1);
    return Promise.resolve({ acquired: true, running });
  }

  releaseSlot(username: string): Promise<void> {
    const running = (this.slots.get(username) ?? 1) - 1;
    if (running <= 0) this.slots.delete(username);
    else this.slots.set(username, running);
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
}
