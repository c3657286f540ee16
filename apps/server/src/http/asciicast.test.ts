import { describe, expect, it } from 'vitest';
import { readCast } from '../testing/asciicast.js';
import { CAST_COLS, CAST_ROWS, CastEncoder, castExitStatus } from './asciicast.js';

const START = 1_700_000_000_250;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function encoder(version: 2 | 3): CastEncoder {
  return new CastEncoder({
    version,
    startedAt: START,
    command: 'emit 3 9',
    title: 'web-1: emit 3 9',
  });
}

/** A recording of: `one` at +0.1 s, `warn` on stderr at +0.15 s, `two` at +1.3 s, exit 3 at +1.5 s. */
function record(version: 2 | 3): string {
  const cast = encoder(version);
  return (
    cast.header() +
    cast.output({ stream: 'stdout', data: bytes('one\n'), times: [[0, START + 100]] }) +
    cast.output({ stream: 'stderr', data: bytes('warn\n'), times: [[0, START + 150]] }) +
    cast.output({ stream: 'stdout', data: bytes('two\n'), times: [[0, START + 1_300]] }) +
    cast.exit(3, START + 1_500)
  );
}

describe('asciicast v3', () => {
  it('writes the header, output of both streams as intervals from the previous event, and the exit last', () => {
    const text = record(3);
    expect(text.split('\n')).toEqual([
      `{"version":3,"term":{"cols":${CAST_COLS},"rows":${CAST_ROWS}},"timestamp":1700000000,"command":"emit 3 9","title":"web-1: emit 3 9"}`,
      '[0.100, "o", "one\\r\\n"]',
      '[0.050, "o", "warn\\r\\n"]',
      '[1.150, "o", "two\\r\\n"]',
      '[0.200, "x", "3"]',
      '',
    ]);
    const cast = readCast(text, 3);
    expect(cast.events.map((e) => [Math.round(e.time * 1000), e.code])).toEqual([
      [100, 'o'],
      [150, 'o'],
      [1_300, 'o'],
      [1_500, 'x'],
    ]);
  });

  it('splits a merged message at its arrival times', () => {
    const cast = encoder(3);
    const text =
      cast.header() +
      cast.output({
        stream: 'stdout',
        data: bytes('a\nbb\nccc\n'),
        times: [
          [0, START + 10],
          [2, START + 1_010],
          [5, START + 1_020],
        ],
      }) +
      cast.exit(0, START + 1_020);
    expect(readCast(text, 3).events).toEqual([
      { time: 0.01, code: 'o', data: 'a\r\n' },
      { time: 1.01, code: 'o', data: 'bb\r\n' },
      { time: expect.closeTo(1.02, 6) as number, code: 'o', data: 'ccc\r\n' },
      { time: expect.closeTo(1.02, 6) as number, code: 'x', data: '0' },
    ]);
  });

  it('keeps a character split between chunks whole, at the time its last byte came', () => {
    const text = 'é→🙂\n';
    const all = bytes(text);
    // Every split point, through the middle of each multi-byte character.
    for (let cut = 1; cut < all.length; cut += 1) {
      const cast = encoder(3);
      const lines =
        cast.header() +
        cast.output({ stream: 'stdout', data: all.subarray(0, cut), times: [[0, START + 1]] }) +
        cast.output({ stream: 'stdout', data: all.subarray(cut), times: [[0, START + 2]] }) +
        cast.exit(0, START + 3);
      const events = readCast(lines, 3).events.filter((e) => e.code === 'o');
      expect(events.map((e) => e.data).join('')).toBe('é→🙂\r\n');
      expect(events.every((e) => !e.data.includes('\ufffd'))).toBe(true);
    }
  });

  it('escapes every non-printable character, and keeps the bytes the program wrote', () => {
    const cast = encoder(3);
    const output = '\x1b[1;31mred\x1b[0m\ttab\x7f\u0085\u2028end\r';
    const text =
      cast.header() +
      cast.output({ stream: 'stdout', data: bytes(output), times: [[0, START]] }) +
      cast.exit(0, START);
    // readCast refuses a raw control character in a line.
    const [event] = readCast(text, 3).events;
    expect(event?.data).toBe(output);
    expect(text).toContain('\\u001b[1;31mred');
    expect(text).toContain('\\u007f\\u0085\\u2028');
  });

  it('never goes back in time, and replays output of unknown time at once', () => {
    const cast = encoder(3);
    const text =
      cast.header() +
      cast.output({ stream: 'stdout', data: bytes('later\n'), times: [[0, START + 2_000]] }) +
      // Another instance's clock a little behind: not a negative interval.
      cast.output({ stream: 'stderr', data: bytes('skewed\n'), times: [[0, START + 1_900]] }) +
      // Stored before times were kept.
      cast.output({ stream: 'stdout', data: bytes('old\n'), times: [] }) +
      cast.exit(0, START + 2_500);
    expect(readCast(text, 3).events.map((e) => [Math.round(e.time * 1000), e.data])).toEqual([
      [2_000, 'later\r\n'],
      [2_000, 'skewed\r\n'],
      [2_000, 'old\r\n'],
      [2_500, '0'],
    ]);
  });

  it('ends with an exit event even without output', () => {
    const cast = encoder(3);
    const text = cast.header() + cast.exit(0, START + 40);
    expect(readCast(text, 3).events).toEqual([{ time: 0.04, code: 'x', data: '0' }]);
  });
});

describe('asciicast v2', () => {
  it('writes width and height, absolute times since the start, and no exit event', () => {
    const text = record(2);
    expect(text.split('\n')).toEqual([
      `{"version":2,"width":${CAST_COLS},"height":${CAST_ROWS},"timestamp":1700000000,"command":"emit 3 9","title":"web-1: emit 3 9"}`,
      '[0.100, "o", "one\\r\\n"]',
      '[0.150, "o", "warn\\r\\n"]',
      '[1.300, "o", "two\\r\\n"]',
      '',
    ]);
    expect(readCast(text, 2).events.map((e) => e.time)).toEqual([0.1, 0.15, 1.3]);
  });
});

describe('castExitStatus', () => {
  it.each([
    [{ exitCode: 0, signal: null }, 0],
    [{ exitCode: 3, signal: null }, 3],
    [{ exitCode: null, signal: 'TERM' }, 143],
    [{ exitCode: null, signal: 'KILL' }, 137],
    [{ exitCode: null, signal: null }, 1],
    [{ exitCode: null, signal: 'NOT-A-SIGNAL' }, 1],
  ])('%o -> %i', (record, status) => {
    expect(castExitStatus(record)).toBe(status);
  });
});
