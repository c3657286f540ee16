import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { ExecutionStore, StoredChunk } from './types.js';
import { OutputWriter } from './writer.js';

/** A store whose appends take `delayMs` each and are remembered in order. */
function slowStore(delayMs: number): { store: ExecutionStore; stored: StoredChunk[] } {
  const stored: StoredChunk[] = [];
  const store = {
    appendOutput: async (chunks: readonly StoredChunk[]) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      stored.push(...chunks);
    },
  } as unknown as ExecutionStore;
  return { store, stored };
}

const chunk = (executionId: string, seq: number, bytes = 10): StoredChunk => ({
  executionId,
  seq,
  stream: 'stdout',
  data: Buffer.alloc(bytes),
});

describe('OutputWriter', () => {
  it('flush() waits for what was added before it, not for output added later by others', async () => {
    const { store, stored } = slowStore(5);
    const writer = new OutputWriter(store, silentLogger, () => undefined, {
      flushIntervalMs: 1,
      flushBytes: 1024,
      maxPendingBytes: 1 << 20,
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
    });
    writer.add(chunk('a', 1, 150));
    expect(writer.hasRoom).toBe(false);
    await writer.waitForRoom();
    expect(writer.hasRoom).toBe(true);
  });
});
