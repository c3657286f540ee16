import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LoginAttempt, LoginThrottle } from './login-throttle.js';

// Delays run on vitest's fake timers: the in-memory limiters read Date.now() and expire keys
// with setTimeout, both faked here, so seconds and minutes pass without sleeping.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const throttle = (
  overrides: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {},
): LoginThrottle =>
  new LoginThrottle({
    freeFailuresPerAccount: 3,
    freeFailuresPerAddress: 100,
    windowMs: 3_600_000,
    maxDelayMs: 8_000,
    ...overrides,
  });

/** Milliseconds to wait, or 0 when the attempt may go ahead (and is then counted). */
const wait = (attempt: LoginAttempt): number => (attempt.allowed ? 0 : attempt.retryAfterMs);

/** An attempt that must be allowed, with a wrong password. */
async function fail(t: LoginThrottle, account: string, address: string): Promise<void> {
  const attempt = await t.begin(account, address);
  if (!attempt.allowed) throw new Error(`refused for ${attempt.retryAfterMs} ms`);
  await attempt.failed();
}

describe('LoginThrottle', () => {
  it('lets a few failures through, then doubles the wait after each further one, up to the cap', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i += 1) await fail(t, 'admin', '192.0.2.1');
    // The first failure beyond the free ones goes ahead, and makes the next wait 1 s.
    await fail(t, 'admin', '192.0.2.1');
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const ms = wait(await t.begin('admin', '192.0.2.1'));
      waits.push(ms);
      // One millisecond early is still too early.
      vi.advanceTimersByTime(ms - 1);
      expect(wait(await t.begin('admin', '192.0.2.1'))).toBe(1);
      vi.advanceTimersByTime(1);
      await fail(t, 'admin', '192.0.2.1');
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    // Retrying while blocked did not lengthen the wait (the early tries were not counted).
    expect(wait(await t.begin('admin', '192.0.2.1'))).toBe(8_000);
  });

  it('the wait runs from the failure, however long checking the password took', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i += 1) await fail(t, 'admin', '192.0.2.1');
    const slow = await t.begin('admin', '192.0.2.1');
    if (!slow.allowed) throw new Error('the fourth attempt should go ahead');
    vi.advanceTimersByTime(5_000);
    await slow.failed();
    expect(wait(await t.begin('admin', '192.0.2.1'))).toBe(1_000);
  });

  it('never slows the same account down from another address', async () => {
    const t = throttle();
    for (let i = 0; i < 10; i += 1) {
      const attempt = await t.begin('admin', '192.0.2.1');
      if (attempt.allowed) await attempt.failed();
      vi.advanceTimersByTime(500);
    }
    expect(wait(await t.begin('admin', '192.0.2.1'))).toBeGreaterThan(0);
    // Case does not make a new account to guess from the same address.
    expect(wait(await t.begin('ADMIN', '192.0.2.1'))).toBeGreaterThan(0);
    expect(wait(await t.begin('admin', '198.51.100.7'))).toBe(0);
  });

  it('limits one address across many accounts', async () => {
    const t = throttle({ freeFailuresPerAddress: 5 });
    for (let i = 0; i < 6; i += 1) await fail(t, `user-${i}`, '203.0.113.9');
    expect(wait(await t.begin('someone-new', '203.0.113.9'))).toBe(1_000);
    expect(wait(await t.begin('someone-new', '203.0.113.10'))).toBe(0);
    vi.advanceTimersByTime(1_000);
    await fail(t, 'someone-new', '203.0.113.9');
    expect(wait(await t.begin('yet-another', '203.0.113.9'))).toBe(2_000);
  });

  it('a success resets the account and address, so the user starts afresh', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i += 1) await fail(t, 'alice', '192.0.2.5');
    const right = await t.begin('alice', '192.0.2.5');
    if (!right.allowed) throw new Error('the fourth attempt should go ahead');
    await right.succeeded();
    // Three free failures and the one that sets a delay, all at once: as at the start.
    for (let i = 0; i < 4; i += 1) await fail(t, 'alice', '192.0.2.5');
    expect(wait(await t.begin('alice', '192.0.2.5'))).toBe(1_000);
  });

  it('a success is taken back from the address, including a wait it would have set', async () => {
    const t = throttle({ freeFailuresPerAddress: 2 });
    // Many people signing in from one address do not use up its budget.
    for (let i = 0; i < 10; i += 1) {
      const ok = await t.begin(`user-${i}`, '198.51.100.1');
      if (!ok.allowed) throw new Error(`user-${i} was refused`);
      await ok.succeeded();
    }
    await fail(t, 'x', '198.51.100.1');
    await fail(t, 'y', '198.51.100.1');
    // The third attempt is past the budget and would set a wait, but its password is right.
    const third = await t.begin('z', '198.51.100.1');
    if (!third.allowed) throw new Error('the third attempt should go ahead');
    await third.succeeded();
    // Had the wait stayed, this would be refused; had the count stayed, the next wait were 2 s.
    await fail(t, 'w', '198.51.100.1');
    expect(wait(await t.begin('v', '198.51.100.1'))).toBe(1_000);
  });

  it('guesses sent all at once are counted before any is checked', async () => {
    const t = throttle();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.begin('admin', '192.0.2.77')),
    );
    // The three free ones and the one that set the first wait; the other sixteen wait.
    expect(results.filter((r) => r.allowed)).toHaveLength(4);
    expect(results.filter((r) => !r.allowed).map(wait)).toEqual(Array(16).fill(1_000));
    // Those sixteen were not counted: the next wait is the second one, not the seventeenth.
    vi.advanceTimersByTime(1_000);
    await fail(t, 'admin', '192.0.2.77');
    expect(wait(await t.begin('admin', '192.0.2.77'))).toBe(2_000);
  });

  it('forgets failures once the window has passed', async () => {
    const t = throttle({ windowMs: 60_000 });
    for (let i = 0; i < 4; i += 1) await fail(t, 'bob', '192.0.2.9');
    expect(wait(await t.begin('bob', '192.0.2.9'))).toBe(1_000);
    vi.advanceTimersByTime(60_000);
    for (let i = 0; i < 4; i += 1) await fail(t, 'bob', '192.0.2.9');
    expect(wait(await t.begin('bob', '192.0.2.9'))).toBe(1_000);
  });

  it('a wait that outlasts the window is served in full', async () => {
    const t = throttle({ freeFailuresPerAccount: 1, windowMs: 5_000, maxDelayMs: 60_000 });
    await fail(t, 'bob', '192.0.2.9');
    await fail(t, 'bob', '192.0.2.9');
    vi.advanceTimersByTime(1_000);
    await fail(t, 'bob', '192.0.2.9');
    vi.advanceTimersByTime(2_000);
    // Three seconds in: this failure earns 4 s, to second 7; the count is forgotten at second 5.
    await fail(t, 'bob', '192.0.2.9');
    vi.advanceTimersByTime(2_500);
    expect(wait(await t.begin('bob', '192.0.2.9'))).toBe(1_500);
  });
});
