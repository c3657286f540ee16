import type { SnippetPart } from '../domain/execution.js';

/**
 * Where a match starts and ends in a snippet as the database writes it (FTS5's `snippet()`,
 * PostgreSQL's `ts_headline`): private-use characters, which the indexed text never holds (see
 * `searchableText`), so no output can fake a highlight.
 */
export const MATCH_START = '\ue000';
export const MATCH_END = '\ue001';

/** The longest snippet sent to clients, in characters (an ellipsis may be added at each end). */
export const SNIPPET_MAX_CHARS = 200;

/** Characters no snippet shows: controls (newlines become spaces first), bidi overrides. */
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A snippet with its matches marked, as clients get it: pieces of plain text, each saying
 * whether it matched (so a client highlights them without parsing anything). Whitespace is
 * folded to single spaces, and the whole is cut to {@link SNIPPET_MAX_CHARS} around the first
 * match, with `…` where it was cut.
 */
export function snippetParts(marked: string, maxChars = SNIPPET_MAX_CHARS): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  for (const piece of marked.split(/([\ue000\ue001])/)) {
    if (piece === MATCH_START || piece === MATCH_END) {
      match = piece === MATCH_START;
      continue;
    }
    const text = piece.replace(/\s+/g, ' ').replace(HIDDEN, '');
    if (text === '') continue;
    const previous = parts.at(-1);
    if (previous?.match === match) parts[parts.length - 1] = { text: previous.text + text, match };
    else parts.push({ text, match });
  }
  trimEnds(parts);
  return cut(parts, maxChars);
}

function trimEnds(parts: SnippetPart[]): void {
  const first = parts[0];
  if (first !== undefined && !first.match) parts[0] = { ...first, text: first.text.trimStart() };
  const last = parts.at(-1);
  if (last !== undefined && !last.match) {
    parts[parts.length - 1] = { ...last, text: last.text.trimEnd() };
  }
  for (let i = parts.length - 1; i >= 0; i -= 1) if (parts[i]?.text === '') parts.splice(i, 1);
}

/** At most `maxChars` characters of text, keeping the first match and some context before it. */
function cut(parts: SnippetPart[], maxChars: number): SnippetPart[] {
  const total = parts.reduce((sum, p) => sum + p.text.length, 0);
  if (total <= maxChars) return parts;
  let offset = 0;
  let firstMatch = 0;
  for (const part of parts) {
    if (part.match) {
      firstMatch = offset;
      break;
    }
    offset += part.text.length;
  }
  // A third of the room before the first match, the rest after it.
  const start = Math.max(0, Math.min(firstMatch - Math.floor(maxChars / 3), total - maxChars));
  const end = start + maxChars;
  const out: SnippetPart[] = [];
  offset = 0;
  for (const part of parts) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + part.text.length);
    if (from < to)
      out.push({ text: part.text.slice(from - offset, to - offset), match: part.match });
    offset += part.text.length;
  }
  if (start > 0) out.unshift({ text: '…', match: false });
  if (end < total) out.push({ text: '…', match: false });
  // Ellipses join the plain text beside them.
  return out.reduce<SnippetPart[]>((merged, part) => {
    const previous = merged.at(-1);
    if (previous !== undefined && previous.match === part.match) {
      merged[merged.length - 1] = { text: previous.text + part.text, match: part.match };
    } else {
      merged.push(part);
    }
    return merged;
  }, []);
}
