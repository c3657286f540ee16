import type { LimiterFactory } from '../auth/login-throttle.js';

/**
 * What instances must agree on: who runs an execution (an owner lease the runner renews), how
 * many executions each user has running, the sign-in throttle's counters.
 */
export interface Coordination {
  /**
   * Takes one of a user's running slots if fewer than `limit` are taken. `running` is how many
   * were taken before this call.
   */
  acquireSlot(username: string, limit: number): Promise<{ acquired: boolean; running: number }>;
  releaseSlot(username: string): Promise<void>;
  /** Claims (or renews) an execution for `owner` until `ttlMs` from now. */
  claim(executionId: string, owner: string, ttlMs: number): Promise<void>;
  /** Gives the claim up, if `owner` still holds it. */
  release(executionId: string, owner: string): Promise<void>;
  /** The owner holding an unexpired claim, or undefined. */
  ownerOf(executionId: string): Promise<string | undefined>;
  /** Counters for the sign-in throttle, shared by every instance that shares this. */
  readonly limiters: LimiterFactory;
}
