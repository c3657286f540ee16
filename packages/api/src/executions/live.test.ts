import { describe, expect, it } from 'vitest';
import { LiveExecution } from './live.js';
import { MAX_MESSAGE_BYTES, toMessages } from './messages.js';
import type { OutputChunk } from './types.js';

const owner = {
  username: 'alice',
  roles: [],
  viewAll: false,
  cancelAll: false,
  expiresAt: Infinity,
};
const chunk = (
  seq: number,
  bytes: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): OutputChunk => ({
  seq,
  stream,
  data: Buffer.alloc(bytes, seq % 256),
});

describe('LiveExecution', () => {
  it('serves recent chunks from memory, from any seq still held', () => {
    const live = new LiveExecution('id', owner, 'web-1');
    for (let seq = 1; seq <= 5; seq += 1) live.append(chunk(seq, 10));
    expect(live.chunksFrom(3, 1 << 20)?.map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(live.chunksFrom(1, 25)?.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(live.lastSeq).toBe(5);
    expect(live.outputBytes).toBe(50);
  });

  it('drops from memory only what is stored, so a watcher can always find every chunk', () => {
    const live = new LiveExecution('id', owner, 'web-1');
    const mib = 1024 * 1024;
    for (let seq = 1; seq <= 12; seq += 1) live.append(chunk(seq, mib));
    // Nothing stored yet: all 12 MiB stay, over the 2 MiB window.
    expect(live.chunksFrom(1, 1)?.[0]?.seq).toBe(1);
    live.markFlushed(12);
    // Stored: memory shrinks back to the window; older chunks come from the store.
    expect(live.chunksFrom(1, 1)).toBeUndefined();
    expect(live.chunksFrom(12, 1)?.[0]?.seq).toBe(12);
  });

  it('wakes a waiting watcher at the next chunk, or when its signal aborts', async () => {
    const live = new LiveExecution('id', owner, 'web-1');
    const woke = live.wait(new AbortController().signal);
    live.append(chunk(1, 1));
    await woke;
    const controller = new AbortController();
    const aborted = live.wait(controller.signal);
    controller.abort();
    await aborted;
  });
});

describe('toMessages', () => {
  it('merges consecutive chunks of a stream up to the message size, numbered by the last', () => {
    const half = MAX_MESSAGE_BYTES / 2;
    const messages = toMessages([
      chunk(1, half),
      chunk(2, half),
      chunk(3, 1),
      chunk(4, 2, 'stderr'),
      chunk(5, 3),
    ]);
    expect(messages.map((m) => [m.seq, m.stream, m.data.byteLength])).toEqual([
      [2, 'stdout', MAX_MESSAGE_BYTES],
      [3, 'stdout', 1],
      [4, 'stderr', 2],
      [5, 'stdout', 3],
    ]);
    expect(Buffer.from(messages[0]?.data ?? []).subarray(half - 1, half + 1)).toEqual(
      Buffer.from([1, 2]),
    );
  });
});
