import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { searchableText } from './searchable-text.js';

const out = (text: string | Buffer, stream: 'stdout' | 'stderr' = 'stdout') => ({
  stream,
  data: typeof text === 'string' ? Buffer.from(text) : text,
});

describe('searchableText', () => {
  it('strips terminal escapes: colours, titles, cursor moves, charset switches', () => {
    const text = searchableText(
      [
        out('\x1b[1;31mERROR\x1b[0m disk \x1b]0;title\x07full\x1b[2K\x1b(B ok\n'),
        out('\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1bPdcs\x1b\\done\n'),
      ],
      1024,
    );
    expect(text).toBe('ERROR disk full ok\nlink done\n');
  });

  it('replaces bytes that are not UTF-8, and keeps a character split across chunks whole', () => {
    const text = searchableText(
      [out(Buffer.from([0x63, 0x61, 0x66, 0xc3])), out(Buffer.from([0xa9, 0x20, 0xff, 0x78]))],
      1024,
    );
    expect(text).toBe('caf\u00e9 \ufffdx');
  });

  it('reads only the first maxBytes, dropping a character cut by the bound', () => {
    expect(searchableText([out('abc'), out('def'), out('ghi')], 5)).toBe('abcde');
    // "é" is two bytes: with room for one of them, it is left out, not replaced.
    expect(searchableText([out('ab\u00e9cd')], 3)).toBe('ab');
    expect(searchableText([out('abc')], 0)).toBe('');
  });

  it('decodes each stream on its own and puts a change of stream on a new line', () => {
    const text = searchableText(
      [out(Buffer.from([0xe2, 0x82])), out('warning', 'stderr'), out(Buffer.from([0xac, 0x0a]))],
      1024,
    );
    expect(text).toBe('warning\n\u20ac\n');
  });

  it('removes controls, bidi overrides and the snippet markers; CR ends a line', () => {
    const text = searchableText([out('a\x00b\x07c\td\r\ne\rf\u202eg\ue000h\ue001i\x7f')], 1024);
    expect(text).toBe('abc d\ne\nfghi');
  });

  it('never holds a control character, an escape or a marker, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 600 }),
        (pieces, maxBytes) => {
          const text = searchableText(
            pieces.map((p, i) => out(Buffer.from(p), i % 3 === 0 ? 'stderr' : 'stdout')),
            maxBytes,
          );
          // eslint-disable-next-line no-control-regex
          expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\ue000\ue001]/);
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes * 3 + 8);
        },
      ),
    );
  });
});
