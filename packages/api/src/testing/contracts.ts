import { ManualClock } from '@ogent/executor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateIdempotencyKeyError } from '../errors.js';
import type { EndMessage, ExecutionRecord, OutputChunk } from '../executions/types.js';
import type { Control } from '../ports/control.js';
import type { Coordination } from '../ports/coordination.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { OutputLog } from '../ports/output-log.js';
import type { SigningKeyStore } from '../ports/signing-keys.js';
import type { ExecutionRecords } from '../ports/records.js';

/**
 * Contract suites: what every implementation of a port must do, whatever it stores things in.
 * Each implementation's tests call the suite with a factory; the single node's in-memory and
 * SQLite implementations run them today, cluster implementations will run the same.
 */

let sequence = 0;
/** A record as admission writes it; ids sort in creation order. */
export function sampleRecord(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  sequence += 1;
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    username: 'alice',
    target: 'web-1',
    input: 'ls -la',
    decision: 'allowed',
    rule: 'commands.ls',
    refusalCode: null,
    reason: null,
    argv: ['/bin/ls', '-la'],
    status: 'running',
    exitCode: null,
    signal: null,
    error: null,
    errorCode: null,
    createdAt: 1_700_000_000_000 + sequence,
    finishedAt: null,
    durationMs: null,
    outputBytes: 0,
    lastSeq: 0,
    truncated: false,
    idempotencyKey: null,
    source: 'trpc',
    ...overrides,
  };
}

const chunk = (seq: number, text: string, stream: 'stdout' | 'stderr' = 'stdout'): OutputChunk => ({
  seq,
  stream,
  data: Buffer.from(text),
});

export interface StoreUnderTest {
  readonly records: ExecutionRecords;
  readonly log: OutputLog;
  close(): Promise<void>;
}

/** Execution records and the output log. */
export function describeExecutionStoreContract(
  name: string,
  make: () => Promise<StoreUnderTest>,
): void {
  describe(`execution store contract: ${name}`, () => {
    let store: StoreUnderTest;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps every field of a record, refused or allowed', async () => {
      const allowed = sampleRecord({ input: 'echo "é \u{1F600}"', truncated: false });
      const refused = sampleRecord({
        decision: 'refused',
        status: 'refused',
        refusalCode: 'shell_syntax',
        reason: 'Shell syntax is not accepted',
        argv: null,
        rule: 'input.syntax',
        finishedAt: 1,
        durationMs: 0,
        source: 'http',
      });
      await store.records.insert(allowed);
      await store.records.insert(refused);
      expect(await store.records.get(allowed.id)).toEqual(allowed);
      expect(await store.records.get(refused.id)).toEqual(refused);
      expect(await store.records.get('00000000-0000-4000-8000-ffffffffffff')).toBeUndefined();
    });

    it('refuses a second record with the same idempotency key for the same user only', async () => {
      await store.records.insert(sampleRecord({ idempotencyKey: 'k1' }));
      await expect(store.records.insert(sampleRecord({ idempotencyKey: 'k1' }))).rejects.toThrow(
        DuplicateIdempotencyKeyError,
      );
      await store.records.insert(sampleRecord({ idempotencyKey: 'k1', username: 'bob' }));
      expect((await store.records.findByIdempotencyKey('bob', 'k1'))?.username).toBe('bob');
      expect(await store.records.findByIdempotencyKey('carol', 'k1')).toBeUndefined();
    });

    it('writes an outcome once: a record that has ended stays as it ended', async () => {
      const record = sampleRecord();
      await store.records.insert(record);
      const outcome = {
        status: 'completed' as const,
        exitCode: 3,
        signal: null,
        error: null,
        errorCode: null,
        finishedAt: record.createdAt + 5,
        durationMs: 5,
        outputBytes: 12,
        lastSeq: 2,
        truncated: false,
      };
      await store.records.finish(record.id, outcome);
      await store.records.finish(record.id, {
        ...outcome,
        status: 'interrupted',
        error: 'The server stopped while the command ran.',
        errorCode: 'interrupted',
      });
      expect(await store.records.get(record.id)).toEqual({ ...record, ...outcome });
    });

    it('lists newest first, filtered, a page at a time, each record once', async () => {
      const at = 1_800_000_000_000;
      const mine = [0, 1, 2, 3, 4].map((i) =>
        sampleRecord({ createdAt: at + Math.floor(i / 2), input: `echo 100%_${i}` }),
      );
      const other = sampleRecord({ username: 'bob', createdAt: at + 10, target: 'db-1' });
      for (const r of [...mine, other]) await store.records.insert(r);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.records.list({
          username: 'alice',
          limit: 2,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen).toEqual(
        [...mine]
          .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
          .map((r) => r.id),
      );
      expect((await store.records.list({ limit: 10, target: 'db-1' })).items).toEqual([other]);
      // `%` and `_` in a search are literal characters.
      const searched = await store.records.list({ limit: 10, search: '100%_3' });
      expect(searched.items.map((r) => r.id)).toEqual([mine[3]?.id]);
      expect((await store.records.list({ limit: 10, search: '1000' })).items).toEqual([]);
      expect((await store.records.list({ limit: 10, status: 'refused' })).items).toEqual([]);
    });

    it('finds the executions still recorded as running, oldest first', async () => {
      const older = sampleRecord();
      const ended = sampleRecord({ status: 'completed', finishedAt: 2 });
      const newer = sampleRecord();
      for (const r of [newer, ended, older]) await store.records.insert(r);
      expect((await store.records.running()).map((r) => r.id)).toEqual([older.id, newer.id]);
    });

    it('keeps output in order, reads it from any seq in bounded pieces, and sums it up', async () => {
      const a = sampleRecord();
      const b = sampleRecord();
      await store.records.insert(a);
      await store.records.insert(b);
      await store.log.appendOutput([
        { executionId: a.id, ...chunk(1, 'one\n') },
        { executionId: b.id, ...chunk(1, 'other') },
        { executionId: a.id, ...chunk(2, 'err\n', 'stderr') },
      ]);
      await store.log.appendOutput([{ executionId: a.id, ...chunk(3, 'three\n') }]);
      const all = await store.log.readOutput(a.id, 1, 1 << 20);
      expect(all.map((c) => [c.seq, c.stream, Buffer.from(c.data).toString()])).toEqual([
        [1, 'stdout', 'one\n'],
        [2, 'stderr', 'err\n'],
        [3, 'stdout', 'three\n'],
      ]);
      expect((await store.log.readOutput(a.id, 2, 1 << 20)).map((c) => c.seq)).toEqual([2, 3]);
      // maxBytes bounds the read, but a read always makes progress.
      expect((await store.log.readOutput(a.id, 1, 5)).map((c) => c.seq)).toEqual([1]);
      expect((await store.log.readOutput(a.id, 1, 1)).map((c) => c.seq)).toEqual([1]);
      expect(await store.log.readOutput(a.id, 4, 1 << 20)).toEqual([]);
      expect(await store.log.summary(a.id)).toEqual({ lastSeq: 3, outputBytes: 14 });
      expect(await store.log.summary(sampleRecord().id)).toEqual({ lastSeq: 0, outputBytes: 0 });
    });
  });
}

const end = (seq: number): EndMessage => ({
  type: 'end',
  seq,
  status: 'completed',
  exitCode: 0,
  signal: null,
  execTime: 1,
  truncated: false,
  outputBytes: 0,
  error: null,
});

/** Whether a promise has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/** The live bus. */
export function describeLiveBusContract(name: string, make: () => LiveBus): void {
  describe(`live bus contract: ${name}`, () => {
    it('knows nothing of an execution until it is opened, and after it is closed', async () => {
      const bus = make();
      expect(await bus.read('x', 1, 1024)).toEqual({ state: 'absent' });
      bus.open('x');
      expect(await bus.read('x', 1, 1024)).toEqual({ state: 'live', chunks: [], end: undefined });
      bus.close('x');
      expect(await bus.read('x', 1, 1024)).toEqual({ state: 'absent' });
      expect(bus.progress('x')).toBeUndefined();
    });

    it('serves chunks from any seq it holds, and the end only after all of them', async () => {
      const bus = make();
      bus.open('x');
      for (let seq = 1; seq <= 4; seq += 1) bus.publish('x', chunk(seq, `${seq}`.repeat(10)));
      bus.end('x', end(5));
      const from2 = await bus.read('x', 2, 1 << 20);
      expect(from2.state === 'live' && from2.chunks.map((c) => c.seq)).toEqual([2, 3, 4]);
      expect(from2.state === 'live' && from2.end?.seq).toBe(5);
      const bounded = await bus.read('x', 1, 15);
      expect(bounded.state === 'live' && bounded.chunks.map((c) => c.seq)).toEqual([1, 2]);
      expect(bounded.state === 'live' && bounded.end).toBeUndefined();
      expect(await bus.read('x', 5, 1 << 20)).toMatchObject({ state: 'live', chunks: [] });
      expect(bus.progress('x')).toEqual({ lastSeq: 4, outputBytes: 40 });
    });

    it('wakes a waiting watcher at the next chunk, not before', async () => {
      const bus = make();
      bus.open('x');
      bus.publish('x', chunk(1, 'a'));
      const signal = new AbortController().signal;
      // Already something after seq 0: no wait at all.
      expect(await settled(bus.wait('x', 0, signal))).toBe(true);
      const waiting = bus.wait('x', 1, signal);
      expect(await settled(waiting)).toBe(false);
      bus.publish('x', chunk(2, 'b'));
      expect(await settled(waiting)).toBe(true);
    });

    it('wakes a waiting watcher at the end, at close, or when its signal aborts', async () => {
      const bus = make();
      bus.open('x');
      const signal = new AbortController().signal;
      const atEnd = bus.wait('x', 0, signal);
      expect(await settled(atEnd)).toBe(false);
      bus.end('x', end(1));
      expect(await settled(atEnd)).toBe(true);

      bus.open('y');
      const atClose = bus.wait('y', 0, signal);
      expect(await settled(atClose)).toBe(false);
      bus.close('y');
      expect(await settled(atClose)).toBe(true);

      bus.open('z');
      const controller = new AbortController();
      const aborted = bus.wait('z', 0, controller.signal);
      expect(await settled(aborted)).toBe(false);
      controller.abort();
      expect(await settled(aborted)).toBe(true);
    });

    it('lets stored output go past its window: a watcher that far behind is sent to the log', async () => {
      const bus = make();
      bus.open('x');
      const mib = 'x'.repeat(1024 * 1024);
      for (let seq = 1; seq <= 12; seq += 1) bus.publish('x', chunk(seq, mib));
      // Nothing stored yet: nothing may go, however much there is.
      expect(await bus.read('x', 1, 1)).toMatchObject({ state: 'live' });
      bus.stored('x', 12);
      expect(await bus.read('x', 1, 1)).toEqual({ state: 'behind' });
      const latest = await bus.read('x', 12, 1 << 20);
      expect(latest.state === 'live' && latest.chunks.map((c) => c.seq)).toEqual([12]);
    });
  });
}

/** Cancellation across instances. */
export function describeControlContract(name: string, make: () => Control): void {
  describe(`control contract: ${name}`, () => {
    it('delivers a cancel to the registered runner, and says whether there was one', async () => {
      const control = make();
      const cancelled: string[] = [];
      const unregister = control.register('x', () => cancelled.push('x'));
      expect(await control.cancel('y')).toBe(false);
      expect(await control.cancel('x')).toBe(true);
      expect(cancelled).toEqual(['x']);
      unregister();
      expect(await control.cancel('x')).toBe(false);
      expect(cancelled).toEqual(['x']);
    });
  });
}

/** Leases, running slots, limiter counters. */
export function describeCoordinationContract(
  name: string,
  make: (clock: ManualClock) => Coordination,
): void {
  describe(`coordination contract: ${name}`, () => {
    it('gives each user at most `limit` running slots, and takes them back', async () => {
      const coordination = make(new ManualClock());
      expect(await coordination.acquireSlot('alice', 2)).toEqual({ acquired: true, running: 0 });
      expect(await coordination.acquireSlot('alice', 2)).toEqual({ acquired: true, running: 1 });
      expect(await coordination.acquireSlot('alice', 2)).toEqual({ acquired: false, running: 2 });
      expect(await coordination.acquireSlot('bob', 2)).toMatchObject({ acquired: true });
      await coordination.releaseSlot('alice');
      expect(await coordination.acquireSlot('alice', 2)).toEqual({ acquired: true, running: 1 });
    });

    it('holds an owner lease until it expires or its owner releases it', async () => {
      const clock = new ManualClock();
      const coordination = make(clock);
      await coordination.claim('x', 'instance-a', 1_000);
      expect(await coordination.ownerOf('x')).toBe('instance-a');
      clock.advance(999);
      expect(await coordination.ownerOf('x')).toBe('instance-a');
      await coordination.claim('x', 'instance-a', 1_000);
      clock.advance(999);
      expect(await coordination.ownerOf('x')).toBe('instance-a');
      clock.advance(2);
      expect(await coordination.ownerOf('x')).toBeUndefined();

      await coordination.claim('y', 'instance-a', 1_000);
      await coordination.release('y', 'instance-b');
      expect(await coordination.ownerOf('y')).toBe('instance-a');
      await coordination.release('y', 'instance-a');
      expect(await coordination.ownerOf('y')).toBeUndefined();
    });

    it('makes limiter counters that count', async () => {
      const coordination = make(new ManualClock());
      const limiter = coordination.limiters({ keyPrefix: 'contract', points: 10, duration: 60 });
      await limiter.penalty('k', 3);
      expect((await limiter.get('k'))?.consumedPoints).toBe(3);
      await limiter.delete('k');
      expect(await limiter.get('k')).toBeNull();
    });
  });
}

/** Token signing keys: one key, whoever asks first creates it. */
export function describeSigningKeyStoreContract(
  name: string,
  make: () => Promise<{ stores: [SigningKeyStore, SigningKeyStore]; close(): Promise<void> }>,
): void {
  describe(`signing key store contract: ${name}`, () => {
    it('creates one key, and every instance (even racing at first start) gets that one', async () => {
      const made = await make();
      try {
        const [a, b] = await Promise.all(made.stores.map((store) => store.loadOrCreate()));
        expect(a).toEqual(b);
        expect(a?.privateJwk.d).toEqual(expect.any(String));
        expect(await made.stores[0].loadOrCreate()).toEqual(a);
      } finally {
        await made.close();
      }
    });
  });
}
