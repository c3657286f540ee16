import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArgv } from '../quote.js';
import type { Decision } from './decision.js';
import { tokenize } from './tokenize.js';
import { type AccessContext, CommandPolicy } from './policy.js';
import type { PolicyConfigInput } from './schema.js';

/** A policy like one an administrator would write, with every kind of rule in it. */
const config: PolicyConfigInput = {
  commands: {
    echo: { path: '/bin/echo', args: { max: 32 }, endOfOptions: false },
    ls: {
      path: '/bin/ls',
      options: ['-l', '-a', '-h', '--all'],
      bundle: true,
      args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
      endOfOptions: true,
    },
    cat: {
      path: '/bin/cat',
      args: { min: 1, max: 4, pathPrefix: '/srv/public' },
      endOfOptions: true,
    },
    tail: {
      path: '/usr/bin/tail',
      options: [
        { name: '-n', value: { integer: { min: 1, max: 10_000 } } },
        { name: '--lines', value: { integer: true } },
      ],
      args: { min: 1, max: 1, pathPrefix: ['/srv/public', '/var/log'] },
      endOfOptions: true,
    },
    find: {
      path: '/usr/bin/find',
      options: [
        { name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } },
        { name: '-type', value: { enum: ['f', 'd'] } },
      ],
      args: { min: 1, max: 1, pathPrefix: '/srv/public' },
      endOfOptions: false,
    },
    tar: {
      path: '/usr/bin/tar',
      options: ['-t', '-v', { name: '-f', value: { pathPrefix: '/srv/public' } }],
    },
    awk: { path: '/usr/bin/awk', args: { min: 1, max: 1, enum: ['{print $1}', 'NR==1'] } },
    sed: { path: '/usr/bin/sed', options: ['-n'], args: { min: 1, max: 1, enum: ['1p', '$p'] } },
    env: { path: '/usr/bin/env' },
    git: {
      path: '/usr/bin/git',
      options: ['--version'],
      args: { max: 1, enum: ['status'] },
      endOfOptions: false,
    },
  },
  roles: {
    operator: { commands: ['*'], targets: ['*'] },
    viewer: { commands: ['echo', 'ls'], targets: ['web-*'] },
  },
};

const policy = new CommandPolicy(config);
const rules = policy.config.commands;

/** A hang detector, not a speed test: a check takes well under a millisecond. */
const MAX_CHECK_MS = 50;

/**
 * Decides and times one check. A call over the bound is timed once more before failing, so that
 * a garbage-collection pause on a busy machine is not mistaken for catastrophic backtracking,
 * which would be slow every time.
 */
function timedCheck(input: string, access: AccessContext): Decision {
  let decision: Decision | undefined;
  let fastest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 2 && fastest > MAX_CHECK_MS; attempt += 1) {
    const started = performance.now();
    decision = policy.check(input, access);
    fastest = Math.min(fastest, performance.now() - started);
  }
  expect(fastest, `policy.check took ${fastest.toFixed(1)} ms`).toBeLessThan(MAX_CHECK_MS);
  if (decision === undefined) throw new Error('unreachable: check ran at least once');
  return decision;
}

/** C0 controls but tab, DEL, C1: what the sanitizer refuses as control characters. */
/** Unassigned and private-use code points, which the policy refuses. */
const UNREADABLE = /[\p{Cn}\p{Co}]/u;

function hasControl(text: string): boolean {
  return Array.from(text).some((ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return (cp < 0x20 && cp !== 0x09) || (cp >= 0x7f && cp <= 0x9f);
  });
}

/** What the sanitizer refuses as invisible: everything blank but a plain space or tab. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]|(?![ \t])\p{White_Space}/u;

/** What every decision must look like, allowed or not. */
function expectWellFormed(decision: Decision): void {
  if (!decision.allowed) {
    expect(decision.reason.trim().length).toBeGreaterThan(0);
    expect(decision.rule.trim().length).toBeGreaterThan(0);
    return;
  }
  const rule = rules[decision.command];
  expect(rule).toBeDefined();
  expect(decision.rule).toBe(`commands.${decision.command}`);
  expect(decision.argv[0]).toBe(rule?.path);
  expect(decision.argv[0]?.startsWith('/')).toBe(true);
  for (const arg of decision.argv) {
    expect(hasControl(arg), JSON.stringify(arg)).toBe(false);
    expect(arg).not.toMatch(INVISIBLE);
    expect(arg.isWellFormed()).toBe(true);
  }
}

const shellMeta = fc.constantFrom(
  ';',
  '&',
  '&&',
  '|',
  '||',
  '<',
  '>',
  '>>',
  '2>&1',
  '(',
  ')',
  '$',
  '$(',
  '${',
  '`',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '!',
  '#',
  '=',
  '\\',
  "'",
  '"',
  "'\\''",
  "$'",
  ' ',
  '\t',
  '--',
  '-',
);
const nastyCharacters = fc.constantFrom(
  '\0',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u00a0',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u202e',
  '\u2066',
  '\u2028',
  '\u3000',
  '\u3164',
  '\ufeff',
  '\ufe0f',
  '\uff1b',
  '\u037e',
  '\u1fef',
  'e\u0301',
  '\ud800',
  '\udc00',
  '\u{1f600}',
  '\u{e0041}',
);
const words = fc.constantFrom(
  ...Object.keys(config.commands),
  '/bin/echo',
  '/bin/ls',
  'id',
  'sh',
  'PATH=/tmp',
  '-exec',
  '-execdir',
  '-delete',
  '-fprint',
  '-name',
  '-type',
  '-n',
  '-n5',
  '--lines=7',
  '-la',
  '-lah',
  '-f',
  '--checkpoint-action=exec=id',
  '--checkpoint-a=exec=id',
  '-c',
  'alias.x=!id',
  '--upload-pack=id',
  'ext::sh',
  'BEGIN{system("id")}',
  '1e id',
  'w /tmp/x',
  '/srv/public',
  '/srv/public/a.log',
  '/srv/public/../secret',
  '/srv/public/./a',
  '/srv/publicx',
  '//srv/public',
  '/var/log/syslog',
  '10',
  '0',
  '-1',
  '1e9',
  '99999999999999999999',
  'f',
  'status',
  '{print $1}',
  '1p',
);
/** Command lines assembled from pieces a shell or the policy cares about. */
const shellish = fc
  .array(fc.oneof(words, shellMeta, nastyCharacters, fc.string({ maxLength: 4 })), {
    maxLength: 24,
  })
  .map((parts) => parts.join(''));
/** The same, with words always separated, so more of them reach the option and value checks. */
const spaced = fc
  .array(fc.oneof({ weight: 3, arbitrary: words }, shellMeta, nastyCharacters), { maxLength: 12 })
  .map((parts) => parts.join(' '));
/** Any UTF-16, lone surrogates included. */
const anyUtf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 64,
});
const anyUnicode = fc.string({ unit: 'binary', maxLength: 200 });
/** Long input, up to past the length cap, made of repeats that tempt a backtracking regex. */
const long = fc
  .tuple(
    fc.constantFrom('ls ', 'echo ', 'find /srv/public -name ', 'cat /srv/public/', 'tail -n '),
    fc.constantFrom('a', '/', '-', '*', "'", '\\', ' ', 'é', '.', '..'),
    fc.integer({ min: 1, max: 6_000 }),
    fc.constantFrom('', '!', ';', '\u00a0', "'"),
  )
  .map(([head, unit, count, tail]) => `${head}${unit.repeat(count)}${tail}`);

const anyInput = fc.oneof(shellish, spaced, anyUtf16, anyUnicode, long);
const access = fc.record({
  roles: fc.array(
    fc.oneof(
      fc.constantFrom(
        'operator',
        'viewer',
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 3 },
  ),
  target: fc.constantFrom('web-1', 'db-1', '', '*'),
});

describe('policy.check under arbitrary input', () => {
  it('never throws, answers quickly, and every decision is well-formed', () => {
    fc.assert(
      fc.property(anyInput, access, (input, who) => {
        expectWellFormed(timedCheck(input, who));
      }),
      { numRuns: 3_000 },
    );
  });

  it('is as quick with the whole length cap of one repeated character', () => {
    for (const unit of ['a', '/', '-', '*', "'", '"', '\\', ' ', 'é', '\u{1f600}']) {
      for (const head of ['ls ', 'find /srv/public -name ', 'cat /srv/public/', 'echo ']) {
        const input = head + unit.repeat(4_096 - head.length);
        expectWellFormed(timedCheck(input, { roles: ['operator'], target: 'web-1' }));
      }
    }
  });
});

/** Words typed in any of the ways a shell accepts: bare, single-, double- or backslash-quoted. */
function typed(word: string, style: number): string {
  switch (style % 4) {
    case 0:
      return `'${word.replaceAll("'", `'\\''`)}'`;
    case 1:
      return `"${word.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
    case 2:
      return word === '' ? "''" : word.replace(/[^A-Za-z0-9_./=:,+@%^-]/gu, (c) => `\\${c}`);
    default:
      return word === '' ? '""' : word.replace(/[^A-Za-z0-9]/gu, (c) => `\\${c}`);
  }
}

/** Arguments as a user might type them to `echo`: mostly allowed, so most reach a real shell. */
const echoLine = fc
  .array(
    fc.tuple(
      fc
        .oneof(
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.array(fc.oneof(shellMeta, words), { maxLength: 4 }).map((p) => p.join('')),
        )
        // What the policy would refuse anyway (an option, a control character) proves nothing here.
        .filter((word) => !word.startsWith('-') && !hasControl(word) && !UNREADABLE.test(word)),
      fc.nat(),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((args) => args.map(([word, style]) => typed(word, style)).join(' '));

/**
 * Runs, in one shell, `printf '%s\0'` with the quoted argv, then (after a \x01 separator, a byte
 * an allowed argv never holds) `printf '%s\0'` with the words exactly as the user typed them.
 */
function throughShell(shell: string, quoted: string, asTyped: string): [string[], string[]] {
  const out = execFileSync(
    shell,
    ['-c', `printf '%s\\0' ${quoted}; printf '\\001'; printf '%s\\0' ${asTyped}`],
    // No stdin to wait on, and a hang fails this input (fast-check then reports it) instead of
    // the whole test timing out without a counterexample.
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 },
  );
  const [first = '', second = ''] = out.split('\u0001');
  return [first.split('\0').slice(0, -1), second.split('\0').slice(0, -1)];
}

describe('what an allowed command runs', () => {
  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`reaches ${shell} as exactly the argv, and as the words the user typed`, () => {
      let allowed = 0;
      fc.assert(
        fc.property(echoLine, (line) => {
          const input = `echo ${line}`;
          const decision = timedCheck(input, { roles: ['operator'], target: 'web-1' });
          expectWellFormed(decision);
          if (!decision.allowed) return;
          allowed += 1;
          const [run, asTyped] = throughShell(
            shell,
            quoteArgv(decision.argv),
            line.normalize('NFC'),
          );
          expect(run).toEqual(decision.argv);
          // The tokenizer agrees with the shell on every word it lets through.
          expect(asTyped).toEqual(decision.argv.slice(1));
        }),
        { numRuns: 150 },
      );
      // The generator must mostly produce allowed lines, or this proves nothing.
      expect(allowed).toBeGreaterThan(100);
    });
  }

  it('says where each word was typed: the text of its span is that word alone', () => {
    fc.assert(
      fc.property(echoLine, fc.constantFrom(' ', '  ', '\t'), (line, gap) => {
        const input = `${gap}echo${gap}${line}${gap}`;
        const tokens = tokenize(input);
        if (!tokens.ok) return;
        const chars = Array.from(input);
        expect(tokens.spans).toHaveLength(tokens.argv.length);
        tokens.spans.forEach((span, i) => {
          const text = chars.slice(span.start, span.end).join('');
          // After a command word, as `NAME=value` alone would be an assignment.
          expect(tokenize(`x ${text}`)).toMatchObject({ ok: true, argv: ['x', tokens.argv[i]] });
          // Nothing of the word is left outside its span.
          expect(chars[span.start - 1] ?? ' ').toMatch(/[ \t]/);
          expect(chars[span.end] ?? ' ').toMatch(/[ \t]/);
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps options before `--` and operands after it, for any allowed mix', () => {
    const lsLine = fc
      .array(fc.constantFrom('-l', '-a', '-h', '-lah', '--all', 'x', 'a/b', '.', '--'), {
        maxLength: 8,
      })
      .map((parts) => `ls ${parts.join(' ')}`);
    fc.assert(
      fc.property(lsLine, (input) => {
        const decision = timedCheck(input, { roles: ['operator'], target: 'web-1' });
        expectWellFormed(decision);
        if (!decision.allowed) return;
        const separator = decision.argv.indexOf('--');
        const options =
          separator === -1 ? decision.argv.slice(1) : decision.argv.slice(1, separator);
        const operands = separator === -1 ? [] : decision.argv.slice(separator + 1);
        // An operand never sits where ls would read it as an option.
        expect(options.every((o) => o.startsWith('-') && o !== '--')).toBe(true);
        if (separator !== -1) expect(operands.length).toBeGreaterThan(0);
        expect(operands.length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 500 },
    );
  });
});
