import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../ports/coordination.js';
import type { QuotasConfig } from '../config.js';

const DAY_SECONDS = 86_400;
const MINUTE_SECONDS = 60;

/** Whether a user is over a quota, and for how long. */
export type QuotaCheck =
  | { readonly over: false }
  | {
      readonly over: true;
      readonly rule: 'quotas.outputBytesPerDay' | 'quotas.refusalsPerMinute';
      readonly message: string;
      readonly retryAfterSeconds: number;
      /** The first refusal of this quota window: record it (once, not per attempt). */
      readonly first: boolean;
    };

/**
 * Per-user quotas on the coordination's counters (shared by every instance): output bytes per
 * day, counted as executions end, and refused attempts per minute. Over a quota, attempts are
 * refused with 429; only the first refusal of each window is recorded.
 */
export class Quotas {
  private readonly output: RateLimiterAbstract | undefined;
  private readonly refusals: RateLimiterAbstract | undefined;
  /** One point per user and quota window: whether its first refusal has been recorded. */
  private readonly noticedOutput: RateLimiterAbstract;
  private readonly noticedRefusals: RateLimiterAbstract;

  constructor(
    private readonly config: QuotasConfig,
    limiters: LimiterFactory,
  ) {
    if (config.outputBytesPerDay !== undefined) {
      this.output = limiters({
        keyPrefix: 'quota-output',
        points: config.outputBytesPerDay,
        duration: DAY_SECONDS,
      });
    }
    if (config.refusalsPerMinute !== undefined) {
      this.refusals = limiters({
        keyPrefix: 'quota-refusals',
        points: config.refusalsPerMinute,
        duration: MINUTE_SECONDS,
      });
    }
    this.noticedOutput = limiters({
      keyPrefix: 'quota-output-noticed',
      points: 1,
      duration: DAY_SECONDS,
    });
    this.noticedRefusals = limiters({
      keyPrefix: 'quota-refusals-noticed',
      points: 1,
      duration: MINUTE_SECONDS,
    });
  }

  /** Before running anything: is the user over the output quota? */
  async checkOutput(username: string): Promise<QuotaCheck> {
    const limit = this.config.outputBytesPerDay;
    if (this.output === undefined || limit === undefined) return { over: false };
    const used = await this.output.get(username);
    if (used === null || used.consumedPoints < limit) return { over: false };
    const retryAfterSeconds = Math.max(1, Math.ceil(used.msBeforeNext / 1000));
    return {
      over: true,
      rule: 'quotas.outputBytesPerDay',
      message:
        `Your commands produced ${used.consumedPoints} bytes of output in the last day; ` +
        `the quota is ${limit}. Try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
      first: await takeOnce(this.noticedOutput, username),
    };
  }

  /** After an execution ended: count its output. */
  async addOutput(username: string, bytes: number): Promise<void> {
    if (this.output === undefined || bytes <= 0) return;
    await this.output.penalty(username, bytes);
  }

  /** A refusal is about to be recorded: is the user over the refusals quota? Counts it. */
  async countRefusal(username: string): Promise<QuotaCheck> {
    const limit = this.config.refusalsPerMinute;
    if (this.refusals === undefined || limit === undefined) return { over: false };
    try {
      await this.refusals.consume(username, 1);
      return { over: false };
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      const ms = (rejection as { msBeforeNext?: number }).msBeforeNext ?? MINUTE_SECONDS * 1000;
      const retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
      return {
        over: true,
        rule: 'quotas.refusalsPerMinute',
        message:
          `Too many refused commands: the quota is ${limit} a minute. ` +
          `Try again in ${retryAfterSeconds} seconds.`,
        retryAfterSeconds,
        first: await takeOnce(this.noticedRefusals, username),
      };
    }
  }
}

/** Takes the one point of `key`: true the first time in its window. */
async function takeOnce(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key, 1);
    return true;
  } catch (rejection) {
    if (rejection instanceof Error) throw rejection;
    return false;
  }
}
