import { ManualClock } from '@ogent/executor';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { OutputLog } from '../ports/output-log.js';
import type { StoredChunk } from '../domain/execution.js';
import { OutputWriter } from './writer.js';

/** A log whose appends take `delayMs` each (0: a microtask) and are remembered in order. */
function slowStore(delayMs: number): { store: OutputLog; stored: StoredChunk[] } {
  const stored: StoredChunk[] = [];
  const store: OutputLog = {
    appendOutput: async (chunks) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      stored.push(...chunks);
    },
    readOutput: () => Promise.resolve([]),
    summary: () => Promise.resolve({ lastSeq: 0, outputBytes: 0 }),
    complete: () => Promise.resolve(),
    discard: () => Promise.resolve(),
  };
  return { store, stored };
}

const chunk = (executionId: string, seq: number, bytes = 10): StoredChunk => ({
  executionId,
  seq,
  stream: 'stdout',
  data: Buffer.alloc(bytes),
  at: seq,
});

describe('OutputWriter', () => {
  it('flush() waits for what was added before it, not for output added later by others', async () => {
    const { store, stored } = slowStore(5);
    const writer = new OutputWriter(store, silentLogger, () => undefined, {
      flushIntervalMs: 1,
      flushBytes: 1024,
      maxPendingBytes: 1 << 20,
      retryForMs: 0,
    });
    writer.add(chunk('a', 1));
    // Another execution keeps printing, without pause, for as long as this runs.
    let busy = true;
    let seq = 0;
    const other = (async () => {
      while (busy) {
        writer.add(chunk('b', ++seq));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await writer.flush();
    busy = false;
    await other;
    expect(stored.some((c) => c.executionId === 'a')).toBe(true);
    await writer.flush();
    expect(stored.filter((c) => c.executionId === 'b')).toHaveLength(seq);
  });

  it('stores chunks in the order they were added, and reports each stored batch', async () => {
    const { store, stored } = slowStore(2);
    const reported: number[] = [];
    const writer = new OutputWriter(
      store,
      silentLogger,
      (batch) => reported.push(...batch.map((c) => c.seq)),
      {
        flushIntervalMs: 1,
        flushBytes: 25,
        maxPendingBytes: 1 << 20,
        retryForMs: 0,
      },
    );
    for (let seq = 1; seq <= 20; seq += 1) writer.add(chunk('a', seq));
    await writer.flush();
    expect(stored.map((c) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(reported).toEqual(stored.map((c) => c.seq));
  });

  it('makes producers wait when too much is unwritten, and lets them go once it is stored', async () => {
    const { store } = slowStore(20);
    const writer = new OutputWriter(store, silentLogger, () => undefined, {
      flushIntervalMs: 1,
      flushBytes: 100,
      maxPendingBytes: 100,
      retryForMs: 0,
    });
    writer.add(chunk('a', 1, 150));
    expect(writer.hasRoom).toBe(false);
    await writer.waitForRoom();
    expect(writer.hasRoom).toBe(true);
  });

  it('writes a small batch flushIntervalMs after its first chunk, not before', async () => {
    const { store, stored } = slowStore(0);
    const clock = new ManualClock();
    const writer = new OutputWriter(
      store,
      silentLogger,
      () => undefined,
      { flushIntervalMs: 20, flushBytes: 1 << 20, maxPendingBytes: 1 << 20, retryForMs: 0 },
      clock,
    );
    writer.add(chunk('a', 1));
    clock.advance(10);
    writer.add(chunk('a', 2));
    clock.advance(9);
    await Promise.resolve();
    expect(stored).toEqual([]);
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stored.map((c) => c.seq)).toEqual([1, 2]);
    expect(clock.pending).toBe(0);
  });

  it('retries a batch the store refused, in order, while its producers wait', async () => {
    const clock = new ManualClock();
    const stored: StoredChunk[] = [];
    let failures = 2;
    const store: OutputLog = {
      appendOutput: (chunks) => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('database away'));
        }
        stored.push(...chunks);
        return Promise.resolve();
      },
      readOutput: () => Promise.resolve([]),
      summary: () => Promise.resolve({ lastSeq: 0, outputBytes: 0 }),
      complete: () => Promise.resolve(),
      discard: () => Promise.resolve(),
    };
    const reported: number[] = [];
    const writer = new OutputWriter(
      store,
      silentLogger,
      (batch) => reported.push(...batch.map((c) => c.seq)),
      { flushIntervalMs: 1, flushBytes: 1, maxPendingBytes: 15, retryForMs: 60_000 },
      clock,
    );
    writer.add(chunk('a', 1));
    writer.add(chunk('a', 2));
    const flushed = writer.flush();
    // More output while the store refuses: its flush timer must not stand in for the retry's.
    writer.add(chunk('a', 3));
    const tick = async (): Promise<void> => {
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };
    await tick();
    // Refused once: kept, not reported as stored, and the producers have no room.
    expect(stored).toEqual([]);
    expect(reported).toEqual([]);
    expect(writer.hasRoom).toBe(false);
    clock.advance(200);
    await tick();
    expect(stored).toEqual([]);
    clock.advance(400);
    await flushed;
    await writer.flush();
    expect(stored.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(reported).toEqual([1, 2, 3]);
    expect(writer.hasRoom).toBe(true);
  });
});
