import { defined, ManualClock } from '@ogent/executor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateIdempotencyKeyError } from '../errors.js';
import type { EndMessage, ExecutionRecord, OutputChunk, StoredChunk } from '../domain/execution.js';
import type { Control } from '../ports/control.js';
import type { Coordination } from '../ports/coordination.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { OutputLog } from '../ports/output-log.js';
import type { SigningKeyStore } from '../ports/signing-keys.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { RunStore } from '../ports/runs.js';
import type { AuditStore } from '../ports/audit.js';
import { type AuditEntry, GENESIS_HASH, auditEntry, verifyChain } from '../domain/audit-chain.js';
import type { RunRecord } from '../domain/run.js';

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
    outputLines: null,
    lastSeq: 0,
    truncated: false,
    outputPrunedAt: null,
    runId: null,
    idempotencyKey: null,
    source: 'trpc',
    ...overrides,
  };
}

/** Arrival times of the sample chunks: a second apart, from this. */
const ARRIVED = 1_700_000_000_000;

const chunk = (
  seq: number,
  text: string,
  stream: 'stdout' | 'stderr' = 'stdout',
): Omit<StoredChunk, 'executionId'> => ({
  seq,
  stream,
  data: Buffer.from(text),
  at: ARRIVED + seq * 1_000,
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
        outputLines: 4,
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
          ...defined({ cursor }),
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
      // Each chunk keeps the time it arrived, to the millisecond.
      expect(all.map((c) => c.at)).toEqual([1, 2, 3].map((seq) => ARRIVED + seq * 1_000));
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

/**
 * The live bus. Implementations may show a chunk as soon as it is published (in process) or only
 * once it is stored (a shared bus, so that watchers see only committed output), and may take a
 * moment to: the suite publishes, marks stored, then waits for what it checks.
 */
export function describeLiveBusContract(
  name: string,
  make: () => LiveBus | Promise<LiveBus>,
): void {
  describe(`live bus contract: ${name}`, () => {
    /** Publishes chunks and marks them stored, as the runner and its writer do. */
    const publishStored = (bus: LiveBus, id: string, chunks: readonly OutputChunk[]): void => {
      for (const c of chunks) bus.publish(id, c);
      const last = chunks.at(-1);
      if (last !== undefined) bus.stored(id, last.seq);
    };

    it('knows nothing of an execution never opened; an opened one is live and empty', async () => {
      const bus = await make();
      expect(await bus.read('never-opened', 1, 1024)).toEqual({ state: 'absent' });
      bus.open('x');
      await expect
        .poll(() => bus.read('x', 1, 1024))
        .toEqual({
          state: 'live',
          chunks: [],
          end: undefined,
        });
      bus.close('x');
    });

    it('serves chunks from any seq it holds, and the end only after all of them', async () => {
      const bus = await make();
      bus.open('x');
      publishStored(
        bus,
        'x',
        [1, 2, 3, 4].map((seq) => chunk(seq, `${seq}`.repeat(10))),
      );
      bus.end('x', end(5));
      // A shared bus shows them once appended: wait for the end, which comes last.
      await expect.poll(() => bus.read('x', 2, 1 << 20)).toMatchObject({ end: { seq: 5 } });
      const from2 = await bus.read('x', 2, 1 << 20);
      expect(from2.state === 'live' && from2.chunks.map((c) => c.seq)).toEqual([2, 3, 4]);
      expect(from2.state === 'live' && Buffer.from(from2.chunks[0]?.data ?? []).toString()).toBe(
        '2222222222',
      );
      expect(from2.state === 'live' && from2.chunks.map((c) => c.at)).toEqual(
        [2, 3, 4].map((seq) => ARRIVED + seq * 1_000),
      );
      // maxBytes bounds a read (one chunk at least, so that it always makes progress).
      const bounded = await bus.read('x', 1, 25);
      expect(bounded.state === 'live' && bounded.chunks.map((c) => c.seq)).toEqual([1, 2]);
      expect(bounded.state === 'live' && bounded.end).toBeUndefined();
      const one = await bus.read('x', 1, 1);
      expect(one.state === 'live' && one.chunks.map((c) => c.seq)).toEqual([1]);
      expect(await bus.read('x', 5, 1 << 20)).toMatchObject({ state: 'live', chunks: [] });
      expect(bus.progress('x')).toEqual({ lastSeq: 4, outputBytes: 40 });
      bus.close('x');
    });

    it('wakes a waiting watcher at the next chunk, not before', async () => {
      const bus = await make();
      bus.open('x');
      publishStored(bus, 'x', [chunk(1, 'a')]);
      const signal = new AbortController().signal;
      await expect.poll(() => bus.read('x', 1, 1024)).toMatchObject({ chunks: [{ seq: 1 }] });
      // Already something after seq 0: no wait at all.
      await bus.wait('x', 0, signal);
      const waiting = bus.wait('x', 1, signal);
      expect(await settled(waiting)).toBe(false);
      publishStored(bus, 'x', [chunk(2, 'b')]);
      await waiting;
      expect(await bus.read('x', 2, 1024)).toMatchObject({ chunks: [{ seq: 2 }] });
      bus.close('x');
    });

    it('wakes a waiting watcher at the end, or when its signal aborts', async () => {
      const bus = await make();
      bus.open('x');
      const signal = new AbortController().signal;
      const atEnd = bus.wait('x', 0, signal);
      expect(await settled(atEnd)).toBe(false);
      bus.end('x', end(1));
      await atEnd;

      bus.open('z');
      const controller = new AbortController();
      const aborted = bus.wait('z', 0, controller.signal);
      expect(await settled(aborted)).toBe(false);
      controller.abort();
      expect(await settled(aborted)).toBe(true);
      bus.close('x');
      bus.close('z');
    });

    it('lets stored output go past its window: a watcher that far behind is sent to the log', async () => {
      const bus = await make();
      bus.open('x');
      const piece = 'x'.repeat(16 * 1024);
      const chunks = Array.from({ length: 600 }, (_, i) => chunk(i + 1, piece));
      await expect.poll(() => bus.read('x', 1, 1)).toMatchObject({ state: 'live' });
      // Published but not stored: nothing may go, however much there is.
      for (const c of chunks) bus.publish('x', c);
      expect(await bus.read('x', 1, 1)).toMatchObject({ state: 'live' });
      bus.stored('x', 600);
      await expect.poll(() => bus.read('x', 1, 1)).toEqual({ state: 'behind' });
      const latest = await bus.read('x', 600, 1 << 20);
      expect(latest.state === 'live' && latest.chunks.map((c) => c.seq)).toEqual([600]);
      bus.close('x');
    });
  });
}

/** Cancellation across instances. */
export function describeControlContract(
  name: string,
  make: () => Control | Promise<Control>,
): void {
  describe(`control contract: ${name}`, () => {
    it('delivers a cancel to the registered runner', async () => {
      const control = await make();
      const cancelled: string[] = [];
      const unregister = control.register('x', () => cancelled.push('x'));
      expect(await control.cancel('x')).toBe(true);
      await expect.poll(() => cancelled).toEqual(['x']);
      unregister();
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
      const take = (user: string, holder: string) =>
        coordination.acquireSlot(user, 2, holder, 60_000);
      expect(await take('alice', 'a1')).toEqual({ acquired: true, running: 0 });
      expect(await take('alice', 'a2')).toEqual({ acquired: true, running: 1 });
      expect(await take('alice', 'a3')).toEqual({ acquired: false, running: 2 });
      expect(await take('bob', 'b1')).toMatchObject({ acquired: true });
      await coordination.releaseSlot('alice', 'a1');
      expect(await take('alice', 'a3')).toEqual({ acquired: true, running: 1 });
    });

    it('gives a slot back by itself when its holder stops renewing it (an instance died)', async () => {
      const clock = new ManualClock();
      const coordination = make(clock);
      await coordination.acquireSlot('alice', 1, 'kept', 1_000);
      clock.advance(600);
      await coordination.renewSlot('alice', 'kept', 1_000);
      clock.advance(600);
      expect(await coordination.acquireSlot('alice', 1, 'other', 1_000)).toEqual({
        acquired: false,
        running: 1,
      });
      clock.advance(1_000);
      expect(await coordination.acquireSlot('alice', 1, 'other', 1_000)).toEqual({
        acquired: true,
        running: 0,
      });
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

/** Token signing keys: one current key, whoever asks first creates it; rotation keeps one back. */
export function describeSigningKeyStoreContract(
  name: string,
  make: () => Promise<{ stores: [SigningKeyStore, SigningKeyStore]; close(): Promise<void> }>,
): void {
  describe(`signing key store contract: ${name}`, () => {
    it('creates one key, and every instance (even racing at first start) gets that one', async () => {
      const made = await make();
      try {
        const [a, b] = await Promise.all(made.stores.map((store) => store.keys()));
        expect(a).toEqual(b);
        expect(a).toHaveLength(1);
        expect(a?.[0]?.privateJwk.d).toEqual(expect.any(String));
        expect(await made.stores[0].keys()).toEqual(a);
      } finally {
        await made.close();
      }
    });

    it('rotation makes a new key current and keeps the previous one only', async () => {
      const made = await make();
      try {
        const [first] = await made.stores[0].keys();
        const rotated = await made.stores[0].rotate();
        expect(rotated).toHaveLength(2);
        expect(rotated[1]).toEqual(first);
        expect(rotated[0]?.publicJwk.kid).not.toBe(first?.publicJwk.kid);
        // Another instance sees the same keys.
        expect(await made.stores[1].keys()).toEqual(rotated);
        const again = await made.stores[1].rotate();
        expect(again).toHaveLength(2);
        expect(again[1]).toEqual(rotated[0]);
        expect(await made.stores[0].keys()).toEqual(again);
      } finally {
        await made.close();
      }
    });
  });
}

let runSequence = 0;
/** A run as the run service creates it. */
export function sampleRun(overrides: Partial<RunRecord> = {}): RunRecord {
  runSequence += 1;
  return {
    id: `00000000-0000-4000-9000-${String(runSequence).padStart(12, '0')}`,
    username: 'alice',
    roles: ['operator'],
    command: 'uptime',
    selector: 'role=web',
    requestedTargets: null,
    options: {
      concurrency: 2,
      batches: [1, '50%'],
      hostTimeoutMs: 60_000,
      maxFailures: null,
      maxFailurePercent: null,
      onFailure: 'finish',
    },
    status: 'running',
    stop: null,
    stopReason: null,
    retryOf: null,
    source: 'trpc',
    createdAt: 1_700_000_000_000 + runSequence,
    finishedAt: null,
    version: 1,
    total: 0,
    ...overrides,
  };
}

/** Fleet runs: hosts in order, decisions that take turns, progress numbers that only grow. */
export function describeRunStoreContract(
  name: string,
  make: () => Promise<{ store: RunStore; close(): Promise<void> }>,
): void {
  describe(`run store contract: ${name}`, () => {
    let made: { store: RunStore; close(): Promise<void> };
    beforeEach(async () => {
      made = await make();
    });
    afterEach(async () => {
      await made.close();
    });
    const targets = Array.from({ length: 600 }, (_, i) => `web-${i + 1}`);

    it('keeps the run and its hosts, in order, all pending at first', async () => {
      const run = sampleRun({ total: targets.length, requestedTargets: ['web-1'] });
      await made.store.create(run, targets);
      expect(await made.store.get(run.id)).toEqual(run);
      const hosts = await made.store.hosts(run.id);
      expect(hosts.map((h) => h.target)).toEqual(targets);
      expect(hosts[599]).toMatchObject({ position: 599, status: 'pending', version: 1 });
      expect(await made.store.counts(run.id)).toEqual({ pending: 600 });
      expect(await made.store.get('00000000-0000-4000-9000-999999999999')).toBeUndefined();
      expect(
        await made.store.transact('00000000-0000-4000-9000-999999999999', () => Promise.resolve(1)),
      ).toBeUndefined();
    });

    it('stamps every change of a decision with one new number, and reads changes after one', async () => {
      const run = sampleRun({ total: 5 });
      await made.store.create(run, targets.slice(0, 5));
      await made.store.transact(run.id, async (tx) => {
        expect(await tx.firstUnfinished()).toBe(0);
        const next = await tx.pendingBefore(3, 2);
        expect(next.map((h) => h.position)).toEqual([0, 1]);
        await tx.updateHosts([0, 1], { status: 'running', instance: 'a', startedAt: 5 });
        expect(await tx.runningOn('a')).toBe(2);
        expect(await tx.runningOn('b')).toBe(0);
      });
      await made.store.transact(run.id, async (tx) => {
        await tx.updateHosts([0], {
          status: 'failed',
          executionId: 'e-0',
          executionStatus: 'completed',
          exitCode: 2,
          error: { code: 'x', message: 'broke' },
          outputBytes: 12,
          outputSha256: 'ab',
          execTime: 7,
          finishedAt: 9,
        });
        await tx.updateHosts('pending', { status: 'skipped' });
        await tx.updateRun({ stop: 'failures', stopReason: 'enough' });
      });
      // A decision that changes nothing takes no number.
      await made.store.transact(run.id, (tx) => tx.counts());
      expect((await made.store.get(run.id))?.version).toBe(3);
      const changed = await made.store.hosts(run.id, { afterVersion: 2 });
      expect(changed.map((h) => [h.position, h.status, h.version])).toEqual([
        [0, 'failed', 3],
        [2, 'skipped', 3],
        [3, 'skipped', 3],
        [4, 'skipped', 3],
      ]);
      expect(changed[0]).toMatchObject({
        executionId: 'e-0',
        executionStatus: 'completed',
        exitCode: 2,
        error: { code: 'x', message: 'broke' },
        outputBytes: 12,
        outputSha256: 'ab',
        execTime: 7,
        instance: 'a',
        startedAt: 5,
        finishedAt: 9,
      });
      expect(await made.store.hosts(run.id, { status: 'running' })).toHaveLength(1);
      expect(await made.store.counts(run.id)).toEqual({ failed: 1, running: 1, skipped: 3 });
      expect(await made.store.get(run.id)).toMatchObject({
        stop: 'failures',
        stopReason: 'enough',
      });
    });

    it('makes concurrent decisions on one run take turns', async () => {
      const run = sampleRun({ total: 40 });
      await made.store.create(run, targets.slice(0, 40));
      // Twenty instances each take two hosts at once: none is taken twice.
      const taken = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          made.store.transact(run.id, async (tx) => {
            const hosts = await tx.pendingBefore(40, 2);
            await tx.updateHosts(
              hosts.map((h) => h.position),
              { status: 'running', instance: `i${i}` },
            );
            return hosts.map((h) => h.position);
          }),
        ),
      );
      expect(taken.flatMap((t) => t ?? []).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i),
      );
      expect((await made.store.get(run.id))?.version).toBe(21);
    });

    it('lists runs newest first a page at a time, and the running ones', async () => {
      const runs = [
        sampleRun(),
        sampleRun({ username: 'bob' }),
        sampleRun({ status: 'succeeded' }),
      ];
      for (const run of runs) await made.store.create(run, ['web-1']);
      const first = await made.store.list({ limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual([runs[2]?.id, runs[1]?.id]);
      const second = await made.store.list({ limit: 2, cursor: first.nextCursor ?? '' });
      expect(second).toEqual({ items: [runs[0]], nextCursor: null });
      expect((await made.store.list({ limit: 10, username: 'bob' })).items).toEqual([runs[1]]);
      expect((await made.store.active()).map((r) => r.id)).toEqual([runs[0]?.id, runs[1]?.id]);
      expect((await made.store.active('bob')).map((r) => r.id)).toEqual([runs[1]?.id]);
    });
  });
}

/** The audit trail: one chain, whoever appends, that verifies whole. */
export function describeAuditStoreContract(
  name: string,
  make: () => Promise<{ store: AuditStore; close(): Promise<void> }>,
): void {
  describe(`audit store contract: ${name}`, () => {
    let made: { store: AuditStore; close(): Promise<void> };
    beforeEach(async () => {
      made = await make();
    });
    afterEach(async () => {
      await made.close();
    });
    const entry = (i: number): AuditEntry =>
      auditEntry({
        type: 'execution.attempt',
        at: 1_700_000_000_000 + i,
        actor: i % 2 === 0 ? 'alice' : null,
        address: '127.0.0.1',
        subject: `e-${i}`,
        data: { input: `echo ${i} "é \u{1F600}"`, n: i, nested: { b: 1, a: [1, 2] } },
      });

    it('numbers events from 1, chains them, keeps every field, and verifies whole', async () => {
      expect(await made.store.head()).toEqual({ id: 0, hash: GENESIS_HASH });
      const first = await made.store.append([entry(1), entry(2)]);
      const second = await made.store.append([entry(3)]);
      expect([...first, ...second].map((e) => e.id)).toEqual([1, 2, 3]);
      expect(first[0]?.prevHash).toBe(GENESIS_HASH);
      expect(second[0]?.prevHash).toBe(first[1]?.hash);
      const stored = await made.store.after(0, 10);
      expect(stored).toEqual([...first, ...second]);
      expect(await made.store.after(2, 10)).toEqual(second);
      expect(await made.store.head()).toEqual({ id: 3, hash: second[0]?.hash });
      expect(
        await verifyChain((after) => made.store.after(after, 2), await made.store.head()),
      ).toMatchObject({ intact: true, events: 3, lastId: 3 });
    });

    it('makes racing appends one chain', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => made.store.append([entry(2 * i), entry(2 * i + 1)])),
      );
      const check = await verifyChain(
        (after) => made.store.after(after, 7),
        await made.store.head(),
      );
      expect(check).toMatchObject({ intact: true, events: 40 });
    });
  });
}
