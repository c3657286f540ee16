import { type Refusal, refuse } from './decision.js';

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

export type TokenizeResult = { ok: true; argv: string[] } | { ok: false; refusal: Refusal };

function syntaxError(what: string, position: number): TokenizeResult {
  return {
    ok: false,
    refusal: refuse(
      'shell_syntax',
      RULE,
      `Shell syntax is not accepted: ${what} at position ${position + 1}. ` +
        'Ogent runs one command with plain arguments; quote the character to pass it literally.',
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
  let word: string | null = null;
  // For the first word: whether it so far looks like `NAME=` written without quotes.
  let firstWordAssignment: 'name' | 'assignment' | 'no' = 'name';

  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i] ?? '';
    if (ch === ' ' || ch === '\t') {
      if (word !== null) {
        argv.push(word);
        word = null;
      }
      continue;
    }

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
          return syntaxError(`${expansion} inside double quotes (use single quotes)`, j);
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
      if (next === undefined) return syntaxError('a backslash at the end of the line', i);
      word = (word ?? '') + next;
      i += 1;
      continue;
    }

    if (ch === '#' && word === null) return syntaxError('comment `#`', i);

    const operator = OPERATORS.get(ch);
    if (operator !== undefined) return syntaxError(operator, i);

    word = (word ?? '') + ch;
  }

  if (word !== null) argv.push(word);

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
  return { ok: true, argv };
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
