import type { ExecutionMessage } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import { MAX_ROW_CHARS, OutputBuffer } from './output-buffer';
import { BOLD, DEFAULT_SGR } from './sgr';

let seq = 0;
const binary = (bytes: number[], stream: 'stdout' | 'stderr' = 'stdout'): ExecutionMessage => ({
  type: 'output',
  seq: ++seq,
  stream,
  data: Uint8Array.from(bytes),
});
const out = (text: string, stream: 'stdout' | 'stderr' = 'stdout'): ExecutionMessage =>
  binary([...new TextEncoder().encode(text)], stream);
const end = (): ExecutionMessage => ({
  type: 'end',
  seq: ++seq,
  status: 'completed',
  exitCode: 0,
  signal: null,
  execTime: 5,
  truncated: false,
  outputBytes: 0,
  error: null,
});

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
    expect(buffer.push(out('b\n'))).toBe(true);
    expect(buffer.lastSeq).toBe(seq);
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

  it('handles a million lines without keeping a string per line', () => {
    const buffer = new OutputBuffer();
    let text = '';
    for (let i = 1; i <= 1_000_000; i += 1) {
      text += `${i}\n`;
      if (text.length > 65_000) {
        buffer.push(out(text));
        text = '';
      }
    }
    buffer.push(out(text));
    buffer.push(end());
    expect(buffer.rowCount).toBe(1_000_000);
    expect(buffer.row(999_999).text).toBe('1000000');
    expect(buffer.row(123_456).text).toBe('123457');
  });
});
