import { describe, expect, it } from 'vitest';
import {
  describeAuditStoreContract,
  describeControlContract,
  describeCoordinationContract,
  describeExecutionStoreContract,
  describeLiveBusContract,
  describeOutputSearchContract,
  describeRunFeedContract,
  describeRunStoreContract,
} from './index.js';
import { InProcessControl } from '../single-node/control.js';
import { InProcessRunFeed } from '../single-node/run-feed.js';
import { InProcessCoordination } from '../single-node/coordination.js';
import { InProcessLiveBus } from '../single-node/live-bus.js';
import { MemoryAuditStore } from '../single-node/memory-audit.js';
import { MemoryRunStore } from '../single-node/memory-runs.js';
import { MemoryExecutionStore } from '../single-node/memory-store.js';

describe('single-node implementations', () => {
  describeExecutionStoreContract('in memory', () => {
    const store = new MemoryExecutionStore();
    return Promise.resolve({ records: store, log: store, close: () => Promise.resolve() });
  });
  describeOutputSearchContract('in memory', () => {
    const store = new MemoryExecutionStore();
    return Promise.resolve({ records: store, index: store, close: () => Promise.resolve() });
  });
  describeRunStoreContract('in memory', () =>
    Promise.resolve({ store: new MemoryRunStore(), close: () => Promise.resolve() }),
  );
  describeAuditStoreContract('in memory', () =>
    Promise.resolve({ store: new MemoryAuditStore(), close: () => Promise.resolve() }),
  );
  describeLiveBusContract('in process', () => new InProcessLiveBus());
  describeControlContract('in process', () => new InProcessControl());
  describeRunFeedContract('in process', () => Promise.resolve([new InProcessRunFeed()]));
  describeCoordinationContract('in process', (clock) => new InProcessCoordination(clock));

  it('the in-process bus wakes its waiters when a stream is closed', async () => {
    const bus = new InProcessLiveBus();
    bus.open('x');
    let woke = false;
    const waiting = bus.wait('x', 0, new AbortController().signal).then(() => {
      woke = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    bus.close('x');
    await waiting;
    expect(woke).toBe(true);
  });

  it('the in-process bus wakes a waiter at once after a pause, and at most every 4 ms in a burst', async () => {
    const bus = new InProcessLiveBus();
    bus.open('x');
    const signal = new AbortController().signal;
    const chunk = (seq: number) => ({
      seq,
      stream: 'stdout' as const,
      data: Buffer.from('x'),
      at: null,
    });
    const tick = () => new Promise((resolve) => setImmediate(resolve));

    // The first chunk after a quiet spell: woken in the same turn.
    let woke = 0;
    const first = bus.wait('x', 0, signal).then(() => (woke = performance.now()));
    await tick();
    const sent = performance.now();
    bus.publish('x', chunk(1));
    await first;
    expect(woke - sent).toBeLessThan(4);

    // Straight after, in a burst: the waiter sleeps on while chunks keep coming, then reads all.
    const firstWake = woke;
    const second = bus.wait('x', 1, signal).then(() => (woke = performance.now()));
    bus.publish('x', chunk(2));
    await tick();
    bus.publish('x', chunk(3));
    await second;
    // Timers never fire early (a loaded machine only makes the wait longer).
    expect(woke - firstWake).toBeGreaterThanOrEqual(3);
    const read = await bus.read('x', 2, 1024);
    expect(read.state === 'live' && read.chunks.map((c) => c.seq)).toEqual([2, 3]);

    // The end is never held back.
    const third = bus.wait('x', 3, signal);
    bus.end('x', { type: 'end', seq: 4 } as never);
    let ended = false;
    void third.then(() => (ended = true));
    await tick();
    expect(ended).toBe(true);
  });
});
