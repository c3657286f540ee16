import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, endMessage, toMessages } from './messages.js';
import type { OutputChunk } from '../domain/execution.js';

const chunk = (
  seq: number,
  bytes: number,
  stream: 'stdout' | 'stderr' = 'stdout',
  at: number | null = 1_700_000_000_000,
): OutputChunk => ({
  seq,
  stream,
  data: Buffer.alloc(bytes, seq % 256),
  at,
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

  it('keeps each merged chunk’s arrival time at its offset, one pair per change', () => {
    const t = 1_700_000_000_000;
    const messages = toMessages([
      chunk(1, 3, 'stdout', t),
      chunk(2, 4, 'stdout', t),
      chunk(3, 5, 'stdout', t + 1_200),
      chunk(4, 2, 'stderr', t + 1_300),
      chunk(5, 1, 'stdout', null),
      chunk(6, 1, 'stdout', null),
    ]);
    expect(messages.map((m) => m.times)).toEqual([
      [
        [0, t],
        [7, t + 1_200],
      ],
      [[0, t + 1_300]],
      // Stored before times were kept: unknown, not made up.
      [],
    ]);
  });
});

describe('endMessage', () => {
  it('carries the executor error code beside the message, so clients can tell failures apart', () => {
    const base = {
      status: 'failed' as const,
      exitCode: null,
      signal: null,
      durationMs: 3,
      outputBytes: 0,
      lastSeq: 4,
      truncated: false,
    };
    expect(
      endMessage({ ...base, error: 'Host key mismatch', errorCode: 'host_key_mismatch' }),
    ).toMatchObject({ seq: 5, error: { code: 'host_key_mismatch', message: 'Host key mismatch' } });
    expect(endMessage({ ...base, error: null, errorCode: null }).error).toBeNull();
  });
});
