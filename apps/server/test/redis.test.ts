import {
  describeControlContract,
  describeCoordinationContract,
  describeLiveBusContract,
  describeRunFeedContract,
} from '@ogent/api/testing';
import { ManualClock } from '@ogent/executor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisConnections, connectRedis } from '../src/cluster/redis.js';
import { RedisControl } from '../src/cluster/redis-control.js';
import { RedisCoordination } from '../src/cluster/redis-coordination.js';
import { RedisLiveBus } from '../src/cluster/redis-live-bus.js';
import { RedisRunFeed } from '../src/cluster/redis-run-feed.js';
import { type RedisFixture, startRedis } from '../src/testing/engines.js';

/** A real redis-server, started for this file. */
let redis: RedisFixture;
const connections: RedisConnections[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

const errors: unknown[] = [];
async function connect(): Promise<RedisConnections> {
  const opened = await connectRedis(redis.url, (error) => errors.push(error));
  connections.push(opened);
  return opened;
}

/**
 * The contract suites call their factory synchronously for the bus and control: the connections
 * are made up front. Each bus gets fresh execution ids from the suite, so they can share Redis.
 */
let busConnections: RedisConnections;
let controlConnections: RedisConnections;
let coordinationConnections: RedisConnections;
beforeAll(async () => {
  [busConnections, controlConnections, coordinationConnections] = await Promise.all([
    connect(),
    connect(),
    connect(),
  ]);
});

let busNumber = 0;
describeLiveBusContract('Redis streams', () => {
  busNumber += 1;
  const bus = new RedisLiveBus(busConnections.client, busConnections.blocking, (e) =>
    errors.push(e),
  );
  // Each test uses the ids x, y, z: give each bus its own namespace of them.
  const prefix = `bus${busNumber}-`;
  return {
    open: (id) => bus.open(prefix + id),
    publish: (id, chunk) => bus.publish(prefix + id, chunk),
    stored: (id, seq) => bus.stored(prefix + id, seq),
    end: (id, end) => bus.end(prefix + id, end),
    close: (id) => bus.close(prefix + id),
    read: (id, from, max) => bus.read(prefix + id, from, max),
    wait: (id, after, signal) => bus.wait(prefix + id, after, signal),
    progress: (id) => bus.progress(prefix + id),
  };
});

describeControlContract('Redis publish/subscribe', () =>
  RedisControl.start(controlConnections.client, controlConnections.subscriber),
);

describeRunFeedContract('Redis publish/subscribe', async () => {
  // Two instances: each with its own connections, as two servers have.
  const instances = await Promise.all([connect(), connect()]);
  return Promise.all(
    instances.map((c) => RedisRunFeed.start(c.client, c.subscriber, (e) => errors.push(e))),
  );
});

let coordinationNumber = 0;
describeCoordinationContract('Redis', (clock) => {
  coordinationNumber += 1;
  const prefix = `c${coordinationNumber}-`;
  const coordination = new RedisCoordination(coordinationConnections.client, () => clock.now());
  return {
    limiters: (options) =>
      coordination.limiters({ ...options, keyPrefix: prefix + options.keyPrefix }),
    acquireSlot: (user, limit, holder, ttl) =>
      coordination.acquireSlot(prefix + user, limit, holder, ttl),
    renewSlot: (user, holder, ttl) => coordination.renewSlot(prefix + user, holder, ttl),
    releaseSlot: (user, holder) => coordination.releaseSlot(prefix + user, holder),
    claim: (id, owner, ttl) => coordination.claim(prefix + id, owner, ttl),
    release: (id, owner) => coordination.release(prefix + id, owner),
    ownerOf: (id) => coordination.ownerOf(prefix + id),
    announce: (instance, ttl) => coordination.announce(prefix + instance, ttl),
  };
});

describe('instances announcing themselves', () => {
  it('counts the instances alive, and drops one that stopped announcing', async () => {
    const clock = new ManualClock();
    const coordination = new RedisCoordination(coordinationConnections.client, () => clock.now());
    // Far in the past of the other tests' clocks: lapsed announcements of theirs drop out.
    expect(await coordination.announce('instance-a', 1_000)).toBe(1);
    expect(await coordination.announce('instance-b', 1_000)).toBe(2);
    clock.advance(600);
    expect(await coordination.announce('instance-a', 1_000)).toBe(2);
    clock.advance(600);
    // b's announcement lapsed 200 ms ago.
    expect(await coordination.announce('instance-a', 1_000)).toBe(1);
  });
});

describe('the live bus across instances', () => {
  it('a cancel reaches the instance that registered, not only the one asked', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const [onA, onB] = await Promise.all([
      RedisControl.start(a.client, a.subscriber),
      RedisControl.start(b.client, b.subscriber),
    ]);
    let cancelled = false;
    onA.register('remote-1', () => {
      cancelled = true;
    });
    expect(await onB.cancel('remote-1')).toBe(true);
    await expect.poll(() => cancelled).toBe(true);
  });

  it('a watcher on another instance sees chunks only once they are stored, in order', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const owner = new RedisLiveBus(a.client, a.blocking, (e) => errors.push(e));
    const watcher = new RedisLiveBus(b.client, b.blocking, (e) => errors.push(e));
    owner.open('cross-1');
    const at = 1_700_000_000_123;
    owner.publish('cross-1', { seq: 1, stream: 'stdout', data: Buffer.from([0, 255, 10]), at });
    await expect.poll(async () => (await watcher.read('cross-1', 1, 1024)).state).toBe('live');
    expect(await watcher.read('cross-1', 1, 1024)).toMatchObject({ chunks: [] });
    const woke = watcher.wait('cross-1', 0, new AbortController().signal);
    owner.stored('cross-1', 1);
    await woke;
    const read = await watcher.read('cross-1', 1, 1024);
    expect(read.state === 'live' && read.chunks.map((c) => [...c.data])).toEqual([[0, 255, 10]]);
    // The time the owner took when the bytes arrived, not when this instance read them.
    expect(read.state === 'live' && read.chunks.map((c) => c.at)).toEqual([at]);
    await owner.shutdown();
    await watcher.shutdown();
  });
});
