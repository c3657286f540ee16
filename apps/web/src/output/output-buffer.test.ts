import { describe, expect, it } from 'vitest';
import { MAX_ROW_CHARS, OutputBuffer } from './output-buffer';
import { BOLD, DEFAULT_SGR } from './sgr';
import { binary, end, numberedLines, out } from './test-messages';

function rows(buffer: OutputBuffer): string[] {
  return Array.from({ length: buffer.rowCount }, (_, i) => {
    const row = buffer.row(i);
    return `${row.stream === 'stderr' ? '!' : ''}${row.line ?? '>'}:${row.text}`;
  });
}

describe('OutputBuffer', () => {
  it('cuts rows at newlines across chunks and shows the incomplete line as pending', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('one\ntw'));
    expect(rows(buffer)).toEqual(['1:one', '2:tw']);
    buffer.push(out('o\nthree\n'));
    expect(rows(buffer)).toEqual(['1:one', '2:two', '3:three']);
    buffer.push(end());
    expect(buffer.end?.status).toBe('completed');
    expect(buffer.lineCount).toBe(3);
  });

  it('keeps stdout and stderr lines apart, in the order they complete', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('partial '));
    buffer.push(out('err 1\n', 'stderr'));
    buffer.push(out('line\n'));
    buffer.push(out('err tail', 'stderr'));
    buffer.push(end());
    expect(rows(buffer)).toEqual(['!1:err 1', '2:partial line', '!3:err tail']);
  });

  it('ignores a message it has already taken, so a resumed stream never doubles a line', () => {
    const buffer = new OutputBuffer();
    const first = out('a\n');
    expect(buffer.push(first)).toBe(true);
    expect(buffer.push(first)).toBe(false);
    const second = out('b\n');
    expect(buffer.push(second)).toBe(true);
    expect(buffer.lastSeq).toBe(second.seq);
    expect(rows(buffer)).toEqual(['1:a', '2:b']);
  });

  it('decodes bytes split inside a character, with a streaming decoder per stream', () => {
    const buffer = new OutputBuffer();
    const euro = [...Buffer.from('€\n')];
    // The three bytes of € split across two chunks, with a stderr chunk in between.
    buffer.push(binary(euro.slice(0, 2)));
    buffer.push(binary([0xff, 0x0a], 'stderr'));
    buffer.push(binary(euro.slice(2)));
    buffer.push(end());
    expect(rows(buffer)).toEqual(['!1:\ufffd', '2:€']);
  });

  it('cuts a line longer than MAX_ROW_CHARS into numbered-once rows', () => {
    const buffer = new OutputBuffer();
    const long = 'x'.repeat(MAX_ROW_CHARS * 2 + 5);
    buffer.push(out(long.slice(0, 1000)));
    buffer.push(out(`${long.slice(1000)}\nnext\n`));
    expect(rows(buffer).map((r) => r.slice(0, 4))).toEqual(['1:xx', '>:xx', '>:xx', '2:ne']);
    expect(buffer.row(2).text).toHaveLength(5);
    expect(buffer.lineCount).toBe(2);
    expect(buffer.widestRow).toBe(MAX_ROW_CHARS);
  });

  it('never cuts a row inside an escape sequence', () => {
    const buffer = new OutputBuffer();
    const line = `${'x'.repeat(MAX_ROW_CHARS - 3)}\x1b[1mbold\n`;
    buffer.push(out(line));
    expect(buffer.row(0).text).toBe('x'.repeat(MAX_ROW_CHARS - 3));
    expect(buffer.row(1).text).toBe('\x1b[1mbold');
  });

  it('carries SGR state from row to row, per stream', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('\x1b[1mbold starts\nstill bold\n'));
    buffer.push(out('plain error\n', 'stderr'));
    buffer.push(out('\x1b[0mreset\nplain\n'));
    expect(buffer.row(0).state).toBe(DEFAULT_SGR);
    expect(buffer.row(1).state.flags).toBe(BOLD);
    expect(buffer.row(2).state).toBe(DEFAULT_SGR);
    expect(buffer.row(3).state.flags).toBe(BOLD);
    expect(buffer.row(4).state).toEqual(DEFAULT_SGR);
  });

  it('gives each line the time of the chunk it started in, across streams and merged chunks', () => {
    const t = 1_700_000_000_000;
    const buffer = new OutputBuffer();
    // "b2" starts at the end of the first chunk and ends in the second: it started at t.
    buffer.push(out('a\nb', 'stdout', [[0, t]]));
    buffer.push(out('err\n', 'stderr', [[0, t + 5]]));
    // One message of two chunks: "b2"'s end and "c" at t + 1000, "d" at t + 2500.
    buffer.push(
      out('2\nc\nd\n', 'stdout', [
        [0, t + 1_000],
        [4, t + 2_500],
      ]),
    );
    // Ends with a newline: the next line starts with the next chunk, not this one.
    buffer.push(out('e\n', 'stdout', [[0, t + 3_000]]));
    buffer.push(out('f', 'stdout', [[0, t + 4_000]]));
    // Stored before times were kept: unknown.
    buffer.push(out('\ng\n', 'stdout', []));
    const times = (): [string, number | null][] =>
      Array.from({ length: buffer.rowCount }, (_, i) => [buffer.row(i).text, buffer.row(i).at]);
    expect(times()).toEqual([
      ['a', t],
      ['err', t + 5],
      ['b2', t],
      ['c', t + 1_000],
      ['d', t + 2_500],
      ['e', t + 3_000],
      ['f', t + 4_000],
      ['g', null],
    ]);
    buffer.push(out('h', 'stdout', [[0, t + 5_000]]));
    // The incomplete last row has its time too, and keeps it once completed.
    expect(buffer.row(8)).toMatchObject({ text: 'h', at: t + 5_000 });
    buffer.push(end());
    expect(buffer.row(8)).toMatchObject({ text: 'h', at: t + 5_000 });
  });

  it('keeps a cut line’s time on its continuation rows', () => {
    const t = 1_700_000_000_000;
    const buffer = new OutputBuffer();
    buffer.push(out('x'.repeat(MAX_ROW_CHARS + 10), 'stdout', [[0, t]]));
    buffer.push(out('y\n', 'stdout', [[0, t + 9]]));
    expect([buffer.row(0).at, buffer.row(1).at]).toEqual([t, t]);
  });

  it('finds the row each line starts on, past cut lines and in the incomplete last row', () => {
    const buffer = new OutputBuffer();
    buffer.push(out(`one\n${'x'.repeat(MAX_ROW_CHARS * 2 + 1)}\nthree\n`));
    buffer.push(out('err\n', 'stderr'));
    buffer.push(out('five'));
    // Rows: 1:one, 2:x…, >:x…, >:x, 3:three, !4:err, 5:five (pending).
    expect([1, 2, 3, 4, 5].map((line) => buffer.rowOfLine(line))).toEqual([0, 1, 4, 5, 6]);
    expect(buffer.rowOfLine(6)).toBe(-1);
    expect(buffer.rowOfLine(0)).toBe(-1);
  });

  it('gives the text rows show for copying: cut lines joined, escapes dropped', () => {
    const buffer = new OutputBuffer();
    const long = 'y'.repeat(MAX_ROW_CHARS + 7);
    buffer.push(out(`\x1b[32mok\x1b[0m\n${long}\n`));
    buffer.push(out('warn\n', 'stderr'));
    buffer.push(out('last'));
    expect(buffer.plainText(0, buffer.rowCount)).toBe(`ok\n${long}\nwarn\nlast`);
    expect(buffer.plainText(1, 3)).toBe(long);
    expect(buffer.plainText(3, 5)).toBe('warn\nlast');
  });

  it('groups rows by stream with their text in one string', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('a\nbb\n'));
    buffer.push(out('E\n', 'stderr'));
    buffer.push(out('ccc\n'));
    const spans = buffer.rowSpans(0, 4);
    expect(
      spans.map((s) => [s.stream, [...s.rows], [...s.starts], [...s.lengths], s.text]),
    ).toEqual([
      ['stdout', [0, 1, 3], [0, 2, 5], [1, 2, 3], 'a\nbb\nccc'],
      ['stderr', [2], [0], [1], 'E'],
    ]);
  });

  it('knows how many cells a row takes: tabs to their stop, wide characters two, escapes none', () => {
    const buffer = new OutputBuffer();
    buffer.push(out('plain\na\tb\n日本\n\x1b[1mbold\x1b[0m\n'));
    buffer.push(out('pending\t'));
    expect([0, 1, 2, 3, 4].map((row) => buffer.rowWidth(row))).toEqual([5, 9, 4, 4, 8]);
    expect(buffer.widestRow).toBe(9);
  });

  it('handles a million lines without keeping a string per line', () => {
    const buffer = numberedLines(1_000_000);
    expect(buffer.rowCount).toBe(1_000_000);
    expect(buffer.row(999_999).text).toBe('1000000');
    expect(buffer.row(123_456).text).toBe('123457');
  });
});
