import type { CommandHint } from '../api/types.js';

type OptionHint = CommandHint['optionHints'][number];
type ValueHint = CommandHint['operandHints'][number];

/** The word the caret is in, and which word of the command it is (0: the command name). */
export interface WordAtCaret {
  readonly word: string;
  readonly start: number;
  readonly index: number;
  /** The first word (the command name), unquoted as far as needed here. */
  readonly command: string;
  /** The words between the command name and this one, as typed. */
  readonly before: readonly string[];
}

/**
 * Finds the word under the caret, splitting on spaces and tabs outside quotes the way the
 * server's parser does (enough for completion: quoting details do not matter here).
 */
export function wordAtCaret(input: string, caret: number): WordAtCaret {
  const words: string[] = [];
  let start = 0;
  let quote: string | null = null;
  let inWord = false;
  let wordStart = 0;
  for (let i = 0; i < caret; i += 1) {
    const c = input[i] ?? '';
    if (quote !== null) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(input.slice(wordStart, i));
      inWord = false;
      start = i + 1;
      continue;
    }
    if (!inWord) {
      inWord = true;
      wordStart = i;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i += 1;
  }
  const first = words[0] ?? (inWord ? input.slice(wordStart, caret) : '');
  return {
    word: input.slice(start, caret),
    start,
    index: words.length,
    command: first,
    before: words.slice(1),
  };
}

/** One thing Tab can put in place of the word at the caret. */
export interface Candidate {
  readonly text: string;
  /**
   * Whether the word is then whole, so a space follows it once chosen: not for `--lines=`, which
   * a value completes, nor for a path prefix, which usually goes on (`/var/log` to
   * `/var/log/syslog`).
   */
  readonly whole: boolean;
}

export interface Completion {
  readonly at: WordAtCaret;
  /** What could go at the caret: command names, options whole, values, path prefixes. */
  readonly candidates: readonly Candidate[];
  /** What the word at the caret is for, for the hint: `-n N (1-100000)`, `PATH under /var/log`. */
  readonly expects: string | null;
}

/** A value as the usage names it, with what it accepts: `N (0-3600)`, `PATH under /var/log`. */
export function describeValue(value: ValueHint): string {
  if (value.accepts === null) return value.placeholder;
  return value.pathPrefixes !== null && value.choices === null
    ? `${value.placeholder} ${value.accepts}`
    : `${value.placeholder} (${value.accepts})`;
}

/** Each way an option can be typed whole, or as far as Tab can take it. */
function optionCandidates(option: OptionHint): Candidate[] {
  const long = option.name.startsWith('--');
  const choices = option.value?.choices ?? null;
  const attached = (choice: string): Candidate => ({
    text: long ? `${option.name}=${choice}` : `${option.name}${choice}`,
    whole: true,
  });
  switch (option.argument) {
    case 'none':
      return [{ text: option.name, whole: true }];
    case 'optional':
      return [{ text: option.name, whole: true }, ...(choices ?? []).map(attached)];
    case 'required':
      // A short option's value is the next word; a long one's is attached after `=`.
      if (!long) return [{ text: option.name, whole: true }];
      return choices === null ? [{ text: `${option.name}=`, whole: false }] : choices.map(attached);
  }
}

/** Values for a slot: its choices, or the path prefixes it allows. */
function valueCandidates(value: ValueHint | null | undefined): Candidate[] {
  if (value === null || value === undefined) return [];
  if (value.choices !== null) return value.choices.map((text) => ({ text, whole: true }));
  return (value.pathPrefixes ?? []).map((text) => ({ text, whole: false }));
}

/**
 * Where the word at the caret stands among the command's words: the value of an option typed
 * before it, or the n-th operand.
 */
function slotOf(
  hint: CommandHint,
  before: readonly string[],
): { option: OptionHint } | { operand: number; afterEndOfOptions: boolean } {
  let operand = 0;
  let endOfOptions = false;
  for (let i = 0; i < before.length; i += 1) {
    const word = before[i] ?? '';
    if (!endOfOptions && word === '--') {
      endOfOptions = true;
      continue;
    }
    if (!endOfOptions && word.startsWith('-') && word !== '-') {
      const option = hint.optionHints.find((o) => o.name === word && o.argument === 'required');
      if (option !== undefined) {
        if (i === before.length - 1) return { option };
        i += 1;
      }
      continue;
    }
    operand += 1;
  }
  return { operand, afterEndOfOptions: endOfOptions };
}

function unique(candidates: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.text) && seen.add(c.text));
}

/** What Tab could put at the caret, from what the target allows. */
export function completionsAt(
  input: string,
  caret: number,
  commands: readonly CommandHint[],
): Completion {
  const at = wordAtCaret(input, caret);
  const matching = (candidates: readonly Candidate[]): Candidate[] =>
    unique(candidates).filter((c) => c.text.startsWith(at.word));
  if (at.index === 0) {
    return {
      at,
      candidates: matching(commands.map((c) => ({ text: c.name, whole: true }))),
      expects: null,
    };
  }
  const hint = commands.find((c) => c.name === at.command);
  if (hint === undefined) return { at, candidates: [], expects: null };
  const slot = slotOf(hint, at.before);
  if ('option' in slot) {
    const { option } = slot;
    return {
      at,
      candidates: matching(valueCandidates(option.value)),
      expects: option.value === null ? null : `${option.name} ${describeValue(option.value)}`,
    };
  }
  if (!slot.afterEndOfOptions && at.word.startsWith('-')) {
    return { at, candidates: matching(hint.optionHints.flatMap(optionCandidates)), expects: null };
  }
  if (slot.operand >= hint.maxArgs) {
    return {
      at,
      candidates: [],
      expects: hint.maxArgs === 0 ? 'no arguments' : `no more arguments (at most ${hint.maxArgs})`,
    };
  }
  const value = hint.operandHints[Math.min(slot.operand, hint.operandHints.length - 1)];
  return {
    at,
    candidates: matching(valueCandidates(value)).filter((c) => c.text !== at.word),
    expects: value === undefined ? null : describeValue(value),
  };
}

/** The longest start every value shares. */
export function commonPrefix(values: readonly string[]): string {
  let prefix = values[0] ?? '';
  for (const value of values) {
    while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** The line with the word at the caret replaced by `text`, and where the caret goes. */
export function replaceWord(
  input: string,
  caret: number,
  at: WordAtCaret,
  text: string,
): { value: string; caret: number } {
  return {
    value: input.slice(0, at.start) + text + input.slice(caret),
    caret: at.start + text.length,
  };
}

/**
 * What Tab does: extend the word at the caret to the candidates' common prefix, or to `chosen`
 * (a space after it when it is whole). Null when that would change nothing: several candidates
 * and nothing they share left to add.
 */
export function applyCompletion(
  input: string,
  caret: number,
  completion: Completion,
  chosen?: Candidate,
): { value: string; caret: number } | null {
  const { candidates, at } = completion;
  if (candidates.length === 0 && chosen === undefined) return null;
  const only = chosen ?? (candidates.length === 1 ? candidates[0] : undefined);
  const text = only?.text ?? commonPrefix(candidates.map((c) => c.text));
  const suffix = only !== undefined && only.whole && input[caret] !== ' ' ? ' ' : '';
  if (text.length < at.word.length || (text === at.word && suffix === '')) return null;
  return replaceWord(input, caret, at, text + suffix);
}
