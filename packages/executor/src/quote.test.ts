import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from './policy/tokenize.js';
import { quoteArg, quoteArgv, singleQuoted } from './quote.js';

/** Runs `printf '%s\0' <quoted argv>` through a real shell and splits what it printed. */
function throughShell(shell: '/bin/bash' | '/bin/dash', argv: readonly string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10_000,
  });
  return out.split('\0').slice(0, -1);
}

/** Any Unicode text without NUL, which no shell argument can hold. */
const argument = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
const shellMeta = fc.constantFrom(
  "'",
  '"',
  '\\',
  '$',
  '`',
  ';',
  '&',
  '|',
  '*',
  '\n',
  ' ',
  '!',
  '~',
  '#',
  '{',
  '(',
);
/** Strings rich in the characters a shell cares about. */
const nasty = fc
  .array(fc.oneof(shellMeta, fc.string({ maxLength: 3 })), { maxLength: 12 })
  .map((parts) => parts.join(''))
  .filter((s) => !s.includes('\0'));
const argvArb = fc.array(fc.oneof(argument, nasty), { minLength: 1, maxLength: 6 });

describe('quoteArgv', () => {
  it('quotes with POSIX single quotes', () => {
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArgv(['/bin/echo', '', '$x'])).toBe(`'/bin/echo' '' '$x'`);
  });

  it('refuses NUL and an empty argv', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(() => quoteArgv([])).toThrow(/empty/);
  });

  for (const shell of ['/bin/bash', '/bin/dash'] as const) {
    it(`round-trips arbitrary argv through ${shell} unchanged`, () => {
      fc.assert(
        fc.property(argvArb, (argv) => {
          expect(throughShell(shell, argv)).toEqual(argv);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('our tokenizer reads quoted text back the way the shell does', () => {
    const printable = argvArb.filter((argv) => argv.every((a) => !/\p{Cc}/u.test(a)));
    fc.assert(
      fc.property(printable, (argv) => {
        const tokens = tokenize(quoteArgv(argv));
        expect(tokens).toMatchObject({ ok: true, argv });
      }),
      { numRuns: 500 },
    );
  });
});

describe('singleQuoted', () => {
  it('is quoteArg without its NUL check: the same word, and it never throws', () => {
    const withNul = fc
      .array(fc.oneof(fc.constant('\0'), argument, nasty), { maxLength: 6 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(withNul, (text) => {
        expect(singleQuoted(text).replaceAll('\0', '')).toBe(quoteArg(text.replaceAll('\0', '')));
      }),
      { numRuns: 300 },
    );
  });
});
