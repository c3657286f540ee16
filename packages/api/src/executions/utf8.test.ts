import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Aligner } from './utf8.js';

describe('Utf8Aligner', () => {
  it('never splits a character, and loses no byte', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 100 }),
        (text, sizes) => {
          const bytes = Buffer.from(text, 'utf8');
          const aligner = new Utf8Aligner();
          const out: Buffer[] = [];
          let at = 0;
          for (const size of [...sizes, bytes.length]) {
            if (at >= bytes.length) break;
            const chunk = aligner.push(bytes.subarray(at, at + size));
            at += size;
            // Each emitted chunk is valid UTF-8 on its own.
            expect(isUtf8(chunk)).toBe(true);
            out.push(chunk);
          }
          const rest = aligner.flush();
          if (rest !== undefined) out.push(rest);
          expect(Buffer.concat(out).equals(bytes)).toBe(true);
        },
      ),
    );
  });

  it('passes invalid bytes through unchanged', () => {
    const aligner = new Utf8Aligner();
    const bytes = Buffer.from([0xff, 0xfe, 0x80, 0xc3]);
    const out = aligner.push(bytes);
    expect(Buffer.concat([out, aligner.flush() ?? Buffer.alloc(0)]).equals(bytes)).toBe(true);
  });
});
