import type { CommandHint } from '../api/types.js';

/** The word the caret is in, and which word of the command it is (0: the command name). */
export interface WordAtCaret {
  readonly word: string;
  readonly start: number;
  readonly index: number;
  /** The first word (the command name), unquoted as far as needed here. */
  readonly command: string;
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
  return { word: input.slice(start, caret), start, index: words.length, command: first };
}

/** The name part of an option as the catalog lists it: `-n VALUE` is `-n`, `--lines=VALUE` is `--lines=`. */
export function optionName(option: string): string {
  const eq = option.indexOf('=');
  if (eq !== -1) return option.slice(0, eq + 1);
  const space = option.indexOf(' ');
  return space === -1 ? option : option.slice(0, space);
}

export interface Completion {
  /** What could go at the caret: command names or option names. */
  readonly candidates: readonly string[];
  readonly at: WordAtCaret;
}

export function completionsAt(
  input: string,
  caret: number,
  commands: readonly CommandHint[],
): Completion {
  const at = wordAtCaret(input, caret);
  if (at.index === 0) {
    return {
      at,
      candidates: commands.map((c) => c.name).filter((name) => name.startsWith(at.word)),
    };
  }
  const hint = commands.find((c) => c.name === at.command);
  if (hint === undefined || !at.word.startsWith('-')) return { at, candidates: [] };
  const names = [...new Set(hint.options.map(optionName))];
  return { at, candidates: names.filter((name) => name.startsWith(at.word)) };
}

function commonPrefix(values: readonly string[]): string {
  let prefix = values[0] ?? '';
  for (const value of values) {
    while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/**
 * What Tab does: extend the word at the caret to the candidates' common prefix (and add a space
 * when only one is left). Null when that would change nothing, so Tab moves focus as usual.
 */
export function applyCompletion(
  input: string,
  caret: number,
  completion: Completion,
  chosen?: string,
): { value: string; caret: number } | null {
  const { candidates, at } = completion;
  if (candidates.length === 0) return null;
  const text = chosen ?? commonPrefix(candidates);
  const unique = chosen !== undefined || candidates.length === 1;
  const suffix = unique && !text.endsWith('=') && input[caret] !== ' ' ? ' ' : '';
  if (text.length < at.word.length || (text === at.word && suffix === '')) return null;
  const replaced = text + suffix;
  return {
    value: input.slice(0, at.start) + replaced + input.slice(caret),
    caret: at.start + replaced.length,
  };
}
