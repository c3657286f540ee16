import { type Refusal, type WordSpan, refuse } from './decision.js';

const RULE = 'input.syntax';

/** Characters that make a POSIX shell do something other than pass a word along. */
const OPERATORS: ReadonlyMap<string, string> = new Map([
  [';', 'command separator `;`'],
  ['&', 'background or `&&` operator `&`'],
  ['|', 'pipe or `||` operator `|`'],
  ['<', 'redirection `<`'],
  ['>', 'redirection `>`'],
  ['(', 'subshell or process substitution `(`'],
  [')', 'subshell `)`'],
  ['$', 'expansion `$`'],
  ['`', 'command substitution `` ` ``'],
  ['*', 'glob `*`'],
  ['?', 'glob `?`'],
  ['[', 'glob `[`'],
  ['{', 'brace expansion `{`'],
  ['}', 'brace expansion `}`'],
  ['~', 'home directory expansion `~`'],
  ['!', 'history expansion or negation `!`'],
]);

/** Inside double quotes a shell still expands these. */
const EXPANDING_IN_DOUBLE_QUOTES: ReadonlyMap<string, string> = new Map([
  ['$', 'expansion `$`'],
  ['`', 'command substitution `` ` ``'],
]);

/** Inside double quotes a backslash escapes only these; before anything else it is literal. */
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['$', '`', '"', '\\']);

const ASSIGNMENT_NAME_START = /^[A-Za-z_]$/;
const ASSIGNMENT_NAME_PART = /^[A-Za-z0-9_]$/;

/** The words, and where each one was typed (for refusals that point at a word). */
export type TokenizeResult =
  { ok: true; argv: string[]; spans: WordSpan[] } | { ok: false; refusal: Refusal };

/**
 * What to do instead of the syntax refused. Quoting passes the character on literally, but
 * someone who typed a pipe or a glob wanted what the shell does with it, which Ogent never does.
 */
function adviceFor(character: string): string {
  const literally = 'quote the character to pass it literally';
  switch (character) {
    case '|':
      return `Ogent runs one program; pipes are not available: filter the output where you read it (or ${literally}).`;
    case ';':
    case '&':
      return `Ogent runs one program at a time: run each command on its own (or ${literally}).`;
    case '<':
    case '>':
      return `Ogent runs one program and sends its output back to you; redirection is not available (or ${literally}).`;
    case '*':
    case '?':
    case '[':
    case '{':
    case '}':
    case '~':
      return `Nothing is expanded: write each path in full (or ${literally}).`;
    case '$':
    case '`':
    case '(':
    case ')':
      return `Nothing is expanded or run inside a command: write the value itself (or ${literally}).`;
    default:
      return `Ogent runs one command with plain arguments; ${literally}.`;
  }
}

function syntaxError(what: string, position: number, character: string): TokenizeResult {
  return {
    ok: false,
    refusal: refuse(
      'shell_syntax',
      RULE,
      `Shell syntax is not accepted: ${what} at position ${position + 1}. ${adviceFor(character)}`,
      position,
    ),
  };
}

/**
 * Splits a sanitized command line into argv the way a POSIX shell would for plain words, single
 * quotes, double quotes and backslashes, and refuses everything else a shell would interpret
 * (operators, expansions, globs, comments, leading variable assignments) instead of passing it on.
 *
 * Only space and tab separate words, as in the shell: other Unicode spaces are refused earlier,
 * by {@link sanitizeInput}. Positions are counted in code points.
 */
export function tokenize(text: string): TokenizeResult {
  const chars = Array.from(text);
  const argv: string[] = [];
  const spans: WordSpan[] = [];
  let word: string | null = null;
  /** Where the word being read started. */
  let start = 0;
  // For the first word: whether it so far looks like `NAME=` written without quotes.
  let firstWordAssignment: 'name' | 'assignment' | 'no' = 'name';

  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i] ?? '';
    if (ch === ' ' || ch === '\t') {
      if (word !== null) {
        argv.push(word);
        spans.push({ start, end: i });
        word = null;
      }
      continue;
    }
    if (word === null) start = i;

    if (argv.length === 0 && firstWordAssignment === 'name') {
      if (ch === '=' && word !== null && word !== '') {
        firstWordAssignment = 'assignment';
      } else if (
        !(word === null ? ASSIGNMENT_NAME_START.test(ch) : ASSIGNMENT_NAME_PART.test(ch))
      ) {
        firstWordAssignment = 'no';
      }
    }

    if (ch === "'") {
      const end = chars.indexOf("'", i + 1);
      if (end === -1) return unterminated('single', i);
      word = (word ?? '') + chars.slice(i + 1, end).join('');
      i = end;
      continue;
    }

    if (ch === '"') {
      let value = '';
      let j = i + 1;
      for (; j < chars.length; j += 1) {
        const c = chars[j] ?? '';
        if (c === '"') break;
        const expansion = EXPANDING_IN_DOUBLE_QUOTES.get(c);
        if (expansion !== undefined) {
          return syntaxError(`${expansion} inside double quotes (use single quotes)`, j, c);
        }
        if (c === '\\') {
          const next = chars[j + 1];
          if (next !== undefined && ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) {
            value += next;
            j += 1;
            continue;
          }
        }
        value += c;
      }
      if (j >= chars.length) return unterminated('double', i);
      word = (word ?? '') + value;
      i = j;
      continue;
    }

    if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) return syntaxError('a backslash at the end of the line', i, ch);
      word = (word ?? '') + next;
      i += 1;
      continue;
    }

    if (ch === '#' && word === null) return syntaxError('comment `#`', i, ch);

    const operator = OPERATORS.get(ch);
    if (operator !== undefined) return syntaxError(operator, i, ch);

    word = (word ?? '') + ch;
  }

  if (word !== null) {
    argv.push(word);
    spans.push({ start, end: chars.length });
  }

  if (firstWordAssignment === 'assignment') {
    return {
      ok: false,
      refusal: refuse(
        'env_assignment',
        RULE,
        'Setting environment variables before a command (`NAME=value command`) is not accepted.',
        0,
      ),
    };
  }
  return { ok: true, argv, spans };
}

function unterminated(kind: 'single' | 'double', position: number): TokenizeResult {
  return {
    ok: false,
    refusal: refuse(
      'unterminated_quote',
      RULE,
      `The ${kind} quote at position ${position + 1} is never closed.`,
      position,
    ),
  };
}
