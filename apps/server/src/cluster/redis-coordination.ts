import type { Coordination, LimiterFactory } from '@ogent/api';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Redis, Reply } from './redis.js';

const LEASE = 'ogent:lease:';
const SLOTS = 'ogent:slots:';
const INSTANCES = 'ogent:instances';

/** Records one instance as alive until ARGV[1], drops lapsed ones, counts the rest. */
const ANNOUNCE = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
return redis.call('ZCARD', KEYS[1])
`;

/** Drops expired slots, then takes one if fewer than the limit are held. Atomic in Redis. */
const ACQUIRE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, held}
`;

/** Renews a slot only if it is still held. */
const RENEW_SLOT = `
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

/** Deletes a lease (`UNTIL|OWNER`) only if `owner` holds it. */
const RELEASE_LEASE = `
local lease = redis.call('GET', KEYS[1])
if lease and string.sub(lease, string.find(lease, '|', 1, true) + 1) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * The cluster's coordination in Redis: owner leases, each user's running slots (a sorted set of
 * holders by expiry, so a dead instance's slots lapse), and the sign-in throttle's counters
 * (rate-limiter-flexible's Redis store). Expiry is by the instances' clock (`now`), so it obeys
 * an injected clock in tests; Redis also drops the keys itself some time after.
 */
export class RedisCoordination implements Coordination {
  readonly limiters: LimiterFactory;

  constructor(
    private readonly client: Redis,
    private readonly now: () => number = Date.now,
  ) {
    this.limiters = (options) =>
      new RateLimiterRedis({ storeClient: client, useRedisPackage: true, ...options });
  }

  async announce(instance: string, ttlMs: number): Promise<number> {
    const now = this.now();
    const reply = await this.client.sendCommand<Reply>([
      'EVAL',
      ANNOUNCE,
      '1',
      INSTANCES,
      String(now + ttlMs),
      instance,
      String(now),
    ]);
    return Number(reply);
  }

  async acquireSlot(
    username: string,
    limit: number,
    holder: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; running: number }> {
    const now = this.now();
    const reply = await this.client.sendCommand<Reply>([
      'EVAL',
      ACQUIRE_SLOT,
      '1',
      `${SLOTS}${username}`,
      String(now),
      String(limit),
      String(now + ttlMs),
      holder,
      String(ttlMs * 2),
    ]);
    const [acquired, running] = Array.isArray(reply) ? reply : [];
    return { acquired: acquired === 1, running: Number(running ?? 0) };
  }

  async renewSlot(username: string, holder: string, ttlMs: number): Promise<void> {
    await this.client.sendCommand([
      'EVAL',
      RENEW_SLOT,
      '1',
      `${SLOTS}${username}`,
      String(this.now() + ttlMs),
      holder,
      String(ttlMs * 2),
    ]);
  }

  async releaseSlot(username: string, holder: string): Promise<void> {
    await this.client.sendCommand(['ZREM', `${SLOTS}${username}`, holder]);
  }

  async claim(executionId: string, owner: string, ttlMs: number): Promise<void> {
    await this.client.sendCommand([
      'SET',
      `${LEASE}${executionId}`,
      `${this.now() + ttlMs}|${owner}`,
      'PX',
      String(ttlMs * 2),
    ]);
  }

  async release(executionId: string, owner: string): Promise<void> {
    await this.client.sendCommand(['EVAL', RELEASE_LEASE, '1', `${LEASE}${executionId}`, owner]);
  }

  async ownerOf(executionId: string): Promise<string | undefined> {
    const lease = await this.client.sendCommand<string | null>(['GET', `${LEASE}${executionId}`]);
    if (lease === null) return undefined;
    const bar = lease.indexOf('|');
    return Number(lease.slice(0, bar)) > this.now() ? lease.slice(bar + 1) : undefined;
  }
}
