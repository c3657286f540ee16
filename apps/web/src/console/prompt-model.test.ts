import { describe, expect, it } from 'vitest';
import type { Refusal } from '../api/errors';
import { completionsAt } from './completion';
import {
  type HintInput,
  abandonCycle,
  acceptCandidate,
  listedCandidates,
  pressTab,
  promptHint,
  refusalSelection,
  submitProblem,
  withCommandName,
} from './prompt-model';
import { commandHint } from './test-hints';

const hint = commandHint;
const commands = [hint('ls', { usage: 'ls [-l] [PATH]' }), hint('lsblk'), hint('uptime')];

describe('pressTab', () => {
  it('completes a word as far as the candidates agree, and lists them', () => {
    const result = pressTab('l', 1, commands, null);
    expect(result.edit).toEqual({ value: 'ls', caret: 2 });
    expect(result.cycle).toBeNull();
    expect(result.listedFor).toBe('ls');
    expect(result.announcement).toBe('2 completions: ls, lsblk');
  });

  it('cycles through the candidates when they agree no further, and wraps around', () => {
    const first = pressTab('ls', 2, commands, null);
    expect(first.edit).toEqual({ value: 'ls', caret: 2 });
    expect(first.announcement).toBe('ls (1 of 2)');
    const second = pressTab('ls', 2, commands, first.cycle);
    expect(second.edit).toEqual({ value: 'lsblk', caret: 5 });
    expect(second.announcement).toBe('lsblk (2 of 2)');
    expect(pressTab('lsblk', 5, commands, second.cycle).cycle?.index).toBe(0);
  });

  it('corrects a mistyped command name to the nearest allowed one', () => {
    const result = pressTab('uptme', 5, commands, null);
    expect(result.edit).toEqual({ value: 'uptime ', caret: 7 });
    expect(result.announcement).toBe('Corrected to uptime');
  });

  it('says so when there is nothing to complete', () => {
    const result = pressTab('zzzzzzzz', 8, commands, null);
    expect(result.edit).toBeNull();
    expect(result.announcement).toBe('Nothing to complete here.');
  });
});

describe('a cycle', () => {
  const cycle = {
    before: 'sudo ',
    word: 'ls',
    after: ' /tmp',
    candidates: [
      { text: 'ls', whole: true },
      { text: 'lsblk', whole: true },
    ],
    index: 1,
  };

  it('settles on the candidate shown, with no second space', () => {
    expect(acceptCandidate(cycle)).toEqual({ value: 'sudo lsblk /tmp', caret: 10 });
    expect(acceptCandidate({ ...cycle, after: '' })).toEqual({ value: 'sudo lsblk ', caret: 11 });
  });

  it('gives back the word as typed on Escape', () => {
    expect(abandonCycle(cycle)).toEqual({ value: 'sudo ls /tmp', caret: 7 });
  });

  it('lists its candidates whatever was typed', () => {
    const completion = completionsAt('', 0, commands);
    expect(listedCandidates('', completion, cycle, null)).toBe(cycle.candidates);
  });
});

describe('listedCandidates', () => {
  it('lists nothing for an empty word until Tab asked, and not a word already whole', () => {
    const empty = completionsAt('', 0, commands);
    expect(listedCandidates('', empty, null, null)).toEqual([]);
    expect(listedCandidates('', empty, null, '')).toHaveLength(3);
    expect(listedCandidates('up', completionsAt('up', 2, commands), null, null)).toEqual([
      { text: 'uptime', whole: true },
    ]);
    const whole = completionsAt('uptime', 6, commands);
    expect(listedCandidates('uptime', whole, null, null)).toEqual([]);
  });
});

describe('refusalSelection', () => {
  const refusal = (over: Partial<Refusal>): Refusal => ({
    reason: 'no',
    refusalCode: 'x',
    rule: 'r',
    executionId: 'e',
    position: null,
    span: null,
    ...over,
  });

  it('selects the offending word, counting code points as the server does', () => {
    expect(refusalSelection('echo 😀 bad', refusal({ span: { start: 7, end: 10 } }))).toEqual([
      8, 11,
    ]);
  });

  it('selects the offending character, or puts the caret at the end', () => {
    expect(refusalSelection('ls;', refusal({ position: 2 }))).toEqual([2, 3]);
    expect(refusalSelection('ls', refusal({}))).toEqual([2, 2]);
  });
});

describe('promptHint', () => {
  const base: HintInput = {
    refused: false,
    problem: false,
    choice: { kind: 'target', id: 'web-1' },
    targetText: 'web-1',
    targets: [],
    commands,
    completion: completionsAt('', 0, commands),
    previewing: false,
  };
  const at = (line: string): HintInput => ({
    ...base,
    targets: undefined,
    completion: completionsAt(line, line.length, commands),
  });

  it('puts a refusal before a problem, and both before the rest', () => {
    expect(promptHint({ ...base, refused: true, problem: true }).kind).toBe('refusal');
    expect(promptHint({ ...base, problem: true }).kind).toBe('problem');
  });

  it('names unknown targets, or says there are none to use', () => {
    expect(promptHint({ ...base, choice: { kind: 'unknown', names: ['db-9'] } })).toEqual({
      kind: 'unknown-target',
      names: ['db-9'],
    });
    expect(promptHint(base).kind).toBe('no-targets');
  });

  it('suggests near names for a command that is not allowed', () => {
    expect(promptHint(at('lss -l'))).toEqual({
      kind: 'unknown-command',
      command: 'lss',
      near: ['ls'],
      allowed: ['ls', 'lsblk', 'uptime'],
    });
  });

  it('shows the usage of a known command, the keys otherwise, or leaves room for a preview', () => {
    expect(promptHint(at('uptime '))).toMatchObject({ kind: 'usage', expects: null });
    expect(promptHint(at('')).kind).toBe('keys');
    expect(promptHint({ ...at(''), previewing: true }).kind).toBe('preview');
  });
});

describe('submitProblem', () => {
  it('refuses to send without a known target', () => {
    expect(submitProblem({ kind: 'none' }, true)).toBe('Targets are still loading.');
    expect(submitProblem({ kind: 'none' }, false)).toBe('Choose a target first.');
    expect(submitProblem({ kind: 'unknown', names: ['a', 'b'] }, false)).toMatch(
      /^No target is called a, b\./,
    );
    expect(submitProblem({ kind: 'selector', selector: 'role=web' }, false)).toBeNull();
  });
});

describe('withCommandName', () => {
  it('replaces only the command name', () => {
    expect(withCommandName('lss -l /tmp', 'ls')).toBe('ls -l /tmp');
    expect(withCommandName('uptme', 'uptime')).toBe('uptime');
  });
});
