import { type RateLimiterAbstract, RateLimiterMemory } from 'rate-limiter-flexible';
import type { LimiterFactory, LimiterOptions } from '../ports/coordination.js';

export interface LoginThrottleOptions {
  /** Failures one account may have from one address before each further one adds a delay. */
  readonly freeFailuresPerAccount: number;
  /** Failures one address may have across all accounts before the same. */
  readonly freeFailuresPerAddress: number;
  /** How long failures are remembered, counted from the first of a series. */
  readonly windowMs: number;
  /** The delay after the first failure beyond the free ones; each further failure doubles it. */
  readonly baseDelayMs?: number;
  /** The longest delay. */
  readonly maxDelayMs: number;
  readonly createLimiter?: LimiterFactory;
}

/** The outcome of {@link LoginThrottle.begin}. */
export type LoginAttempt =
  | { readonly allowed: false; readonly retryAfterMs: number }
  | {
      readonly allowed: true;
      /**
       * The password was right: takes this attempt back from the address's count and forgets
       * the account's failures from that address.
       */
      succeeded(): Promise<void>;
      /**
       * The password was wrong: a wait this attempt set starts again from now, so that it runs
       * from the failure rather than from the start of the (slow) check.
       */
      failed(): Promise<void>;
    };

/** What one ladder did for an attempt, so that its outcome can adjust exactly that. */
interface Entered {
  /** Seconds of the wait this attempt set for the key, or 0 when it set none. */
  readonly blockSeconds: number;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * One kind of key (account and address, or address alone): a count of failures, and once the
 * count is past the free ones, a block whose length doubles with each further failure.
 */
class FailureLadder {
  private readonly failures: RateLimiterAbstract;
  private readonly blocks: RateLimiterAbstract;

  constructor(
    name: string,
    private readonly free: number,
    private readonly baseDelaySeconds: number,
    private readonly maxDelaySeconds: number,
    windowSeconds: number,
    createLimiter: LimiterFactory,
  ) {
    this.failures = createLimiter({
      keyPrefix: `login-failures-${name}`,
      // Counted with penalty(), which never refuses: the ladder decides what a count means.
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
    });
    // One point: the attempt that adds the first point owns the block it sets (see enter()).
    this.blocks = createLimiter({
      keyPrefix: `login-block-${name}`,
      points: 1,
      duration: maxDelaySeconds,
    });
  }

  /** The delay the n-th failure beyond the free ones earns, in seconds. */
  delaySeconds(beyondFree: number): number {
    // Capped exponent: 2 ** 1100 is Infinity, and a huge count must still give the cap.
    const doubled = this.baseDelaySeconds * 2 ** Math.min(beyondFree - 1, 40);
    return Math.min(doubled, this.maxDelaySeconds);
  }

  /**
   * Counts an attempt as a failure before its outcome is known: checking a password is slow,
   * and guesses sent all at once must not all pass before the first of them is counted. Returns
   * the milliseconds to wait instead when the key is blocked (then nothing is counted, so
   * retrying while blocked does not make the next delay longer).
   */
  async enter(key: string): Promise<Entered | { readonly waitMs: number }> {
    const blocked = await this.blocks.get(key);
    if (blocked !== null && blocked.msBeforeNext > 0) return { waitMs: blocked.msBeforeNext };
    const { consumedPoints: count } = await this.failures.penalty(key, 1);
    if (count <= this.free) return { blockSeconds: 0 };
    // Past the free failures: this attempt may go ahead only if it is the one that sets the
    // next block. Adding to the block counter is atomic in every store, so of several
    // attempts racing here exactly one sees 1; the others wait for the block it sets.
    const blockSeconds = this.delaySeconds(count - this.free);
    const claim = await this.blocks.penalty(key, 1, { customDuration: blockSeconds });
    if (claim.consumedPoints === 1) return { blockSeconds };
    await this.failures.reward(key, 1);
    return { waitMs: Math.max(claim.msBeforeNext, 1) };
  }

  /**
   * Undoes {@link enter} for an attempt that was not a failure, leaving other attempts counted.
   * (Should the count have expired meanwhile, this leaves it at -1 until the window ends: one
   * more free failure, which is not worth a non-atomic check.)
   */
  async takeBack(key: string, entered: Entered): Promise<void> {
    await this.failures.reward(key, 1);
    if (entered.blockSeconds > 0) await this.blocks.delete(key);
  }

  /** Restarts the block an attempt set (if any) from now, once it has failed. */
  async failed(key: string, entered: Entered): Promise<void> {
    if (entered.blockSeconds > 0) await this.blocks.block(key, entered.blockSeconds);
  }

  /** Forgets the key's failures and block. */
  async reset(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.blocks.delete(key)]);
  }
}

/**
 * Slows down password guessing without letting anyone lock a user out. Failures are counted per
 * (account, client address) and per client address. Each key has a few free failures; after
 * those, every further failure makes the key wait twice as long as the last one (1 s, 2 s, 4 s
 * ... up to a cap) before it may try again. A stranger guessing `admin`'s password from their
 * own address therefore slows down only themselves: `admin` signing in from anywhere else is
 * not affected, and there is no per-account counter for the stranger to fill. The per-address
 * budget stops one address from guessing many accounts a few times each.
 *
 * The counters live in rate-limiter-flexible limiters made by an injected factory (memory by
 * default). All time is theirs (`Date.now`, `setTimeout`): the throttle computes delays from
 * counts only, never from a clock of its own.
 */
export class LoginThrottle {
  private readonly byAccount: FailureLadder;
  private readonly byAddress: FailureLadder;

  constructor(options: LoginThrottleOptions) {
    const create = options.createLimiter ?? ((o: LimiterOptions) => new RateLimiterMemory(o));
    const base = seconds(options.baseDelayMs ?? 1000);
    const max = Math.max(base, seconds(options.maxDelayMs));
    const window = seconds(options.windowMs);
    this.byAccount = new FailureLadder(
      'account',
      options.freeFailuresPerAccount,
      base,
      max,
      window,
      create,
    );
    this.byAddress = new FailureLadder(
      'address',
      options.freeFailuresPerAddress,
      base,
      max,
      window,
      create,
    );
  }

  /**
   * Counts a sign-in attempt of `account` from `address`, or says how long to wait. Call
   * `succeeded()` or `failed()` on the result once the password is checked; an attempt with
   * neither counts as a failure whose wait started when it began.
   */
  async begin(account: string, address: string): Promise<LoginAttempt> {
    // JSON, not a separator: a username may contain any character an address could.
    const accountKey = JSON.stringify([address, account.toLowerCase()]);
    // The address first: an address that is blocked then leaves no counter behind for each
    // new username it tries, which keeps memory bounded while it sprays.
    const fromAddress = await this.byAddress.enter(address);
    if ('waitMs' in fromAddress) return { allowed: false, retryAfterMs: fromAddress.waitMs };
    const fromAccount = await this.byAccount.enter(accountKey);
    if ('waitMs' in fromAccount) {
      await this.byAddress.takeBack(address, fromAddress);
      return { allowed: false, retryAfterMs: fromAccount.waitMs };
    }
    return {
      allowed: true,
      succeeded: async () => {
        await Promise.all([
          this.byAccount.reset(accountKey),
          this.byAddress.takeBack(address, fromAddress),
        ]);
      },
      failed: async () => {
        await Promise.all([
          this.byAccount.failed(accountKey, fromAccount),
          this.byAddress.failed(address, fromAddress),
        ]);
      },
    };
  }
}
