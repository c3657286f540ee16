import { describe, expect, it } from 'vitest';
import {
  describeAuditStoreContract,
  describeControlContract,
  describeCoordinationContract,
  describeExecutionStoreContract,
  describeLiveBusContract,
  describeOutputSearchContract,
  describeRunStoreContract,
} from '../testing/index.js';
import { InProcessControl } from './control.js';
import { InProcessCoordination } from './coordination.js';
import { InProcessLiveBus } from './live-bus.js';
import { MemoryAuditStore } from './memory-audit.js';
import { MemoryRunStore } from './memory-runs.js';
import { MemoryExecutionStore } from './memory-store.js';

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
});
