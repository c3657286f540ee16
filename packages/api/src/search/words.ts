import { MATCH_END, MATCH_START } from './snippet.js';

/** The most words of one search that are looked for; more are ignored. */
export const MAX_SEARCH_WORDS = 16;

/**
 * The words of a text search, as the full-text indexes take them: separated by whitespace, each
 * holding at least one letter or digit (a word of punctuation alone matches nothing), at most
 * {@link MAX_SEARCH_WORDS}, each at most 100 characters.
 */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, MAX_SEARCH_WORDS)
    .map((word) => word.slice(0, 100));
}

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Letters and digits, case and accents folded: how FTS5's `unicode61` tokenizer reads text. */
function tokens(text: string): Token[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    text: fold(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The in-memory reference of the full-text match: every word's tokens appear in the text, in
 * order and next to each other (a word `10.0.0.5` is the tokens 10, 0, 0, 5). Returns an excerpt
 * around the first match with every match in it marked, or null when some word is missing.
 */
export function markedExcerpt(text: string, words: readonly string[]): string | null {
  if (words.length === 0) return null;
  const haystack = tokens(text);
  const found: Token[] = [];
  for (const word of words) {
    const needle = tokens(word).map((t) => t.text);
    if (needle.length === 0) return null;
    let hit = false;
    for (let i = 0; i + needle.length <= haystack.length; i += 1) {
      if (needle.every((t, j) => haystack[i + j]?.text === t)) {
        const first = haystack[i];
        const last = haystack[i + needle.length - 1];
        if (first !== undefined && last !== undefined) {
          found.push({ text: word, start: first.start, end: last.end });
          hit = true;
        }
      }
    }
    if (!hit) return null;
  }
  found.sort((a, b) => a.start - b.start);
  const first = found[0]?.start ?? 0;
  const from = Math.max(0, first - 80);
  const to = Math.min(text.length, first + 240);
  let out = '';
  let at = from;
  for (const match of found) {
    if (match.start < at || match.end > to) continue;
    out +=
      text.slice(at, match.start) + MATCH_START + text.slice(match.start, match.end) + MATCH_END;
    at = match.end;
  }
  return out + text.slice(at, to);
}
