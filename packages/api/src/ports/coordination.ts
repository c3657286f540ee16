import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * What instances must agree on: who runs an execution (an owner lease the runner renews), how
 * many executions each user has running, the sign-in throttle's counters. Leases and slots
 * expire unless renewed, so an instance that dies gives them back by itself.
 */
export interface Coordination {
  /**
   * Takes one of a user's running slots for `holder` (an execution id) until `ttlMs` from now,
   * if fewer than `limit` are held. `running` is how many were held before this call.
   */
  acquireSlot(
    username: string,
    limit: number,
    holder: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; running: number }>;
  /** Keeps a slot another `ttlMs`. */
  renewSlot(username: string, holder: string, ttlMs: number): Promise<void>;
  releaseSlot(username: string, holder: string): Promise<void>;
  /** Claims (or renews) an execution for `owner` until `ttlMs` from now. */
  claim(executionId: string, owner: string, ttlMs: number): Promise<void>;
  /** Gives the claim up, if `owner` still holds it. */
  release(executionId: string, owner: string): Promise<void>;
  /** The owner holding an unexpired claim, or undefined. */
  ownerOf(executionId: string): Promise<string | undefined>;
  /**
   * Says `instance` is alive until `ttlMs` from now and answers how many instances are (fleet
   * runs share their window among them).
   */
  announce(instance: string, ttlMs: number): Promise<number>;
  /** Counters for the sign-in throttle, shared by every instance that shares this. */
  readonly limiters: LimiterFactory;
}

/** What the login throttle and the quotas ask of a limiter store for each of their counters. */
export interface LimiterOptions {
  /** Keeps the counters apart in a shared store. */
  readonly keyPrefix: string;
  /** Passed on to the store; the throttle never calls consume(), it reads the counts itself. */
  readonly points: number;
  /** Seconds a key lives after it is first counted. */
  readonly duration: number;
}

/**
 * Makes one counter. In memory by default; several servers share a store instead, e.g.
 * `(o) => new RateLimiterRedis({ storeClient, ...o })`, so that a guesser gains nothing by
 * spreading attempts over them.
 */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;
