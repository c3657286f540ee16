import type { Refusal } from '../api/errors';
import type { CommandHint } from '../api/types.js';
import { didYouMean } from './did-you-mean';

/** What a refused command can become, a click away. */
export interface Advice {
  /** A sentence; text between backticks is code. */
  readonly text: string;
  /** The command line to put in the prompt instead, if there is one. */
  readonly command: string | null;
}

/** Code points of `command` from `start` to `end`, as a string. */
function slice(command: string, start: number, end?: number): string {
  return Array.from(command).slice(start, end).join('');
}

/** The whitespace-separated word around code point `position`, and where it starts. */
function wordAround(command: string, position: number): { word: string; start: number } {
  const chars = Array.from(command);
  let start = position;
  while (start > 0 && !/\s/.test(chars[start - 1] ?? '')) start -= 1;
  let end = position;
  while (end < chars.length && !/\s/.test(chars[end] ?? '')) end += 1;
  return { word: chars.slice(start, end).join(''), start };
}

/** What to do instead of a glob: `find DIR -name 'PATTERN'` where find is allowed. */
function globAdvice(command: string, position: number, commands: readonly CommandHint[]): Advice {
  const { word } = wordAround(command, position);
  const slash = word.lastIndexOf('/');
  const dir = slash > 0 ? word.slice(0, slash) : null;
  const pattern = word.slice(slash + 1);
  if (
    dir !== null &&
    pattern !== '' &&
    !pattern.includes("'") &&
    commands.some((c) => c.name === 'find')
  ) {
    const find = `find ${dir} -name '${pattern}'`;
    return {
      text: `Nothing expands \`${word}\` here: name each file, or list the matches with \`${find}\`.`,
      command: find,
    };
  }
  return {
    text: 'Nothing expands a glob here: name each file (Tab completes the allowed paths).',
    command: null,
  };
}

/**
 * The console's advice for a refusal: for shell syntax, what to do in Ogent instead (the
 * server's reason cannot know about the find bar or Download); for a mistyped command or option,
 * the allowed one it was probably meant to be.
 */
export function adviceFor(
  refusal: Pick<Refusal, 'refusalCode' | 'position' | 'span'>,
  command: string,
  commands: readonly CommandHint[],
): Advice | null {
  if (refusal.refusalCode === 'shell_syntax' && refusal.position !== null) {
    const position = refusal.position;
    const character = Array.from(command)[position] ?? '';
    const before = slice(command, 0, position).trim();
    const first = before === '' ? null : before;
    switch (character) {
      case '|':
        return {
          text:
            'Ogent runs one program; pipes are not available. To filter output, ' +
            (first === null ? 'run the command' : `run \`${first}\``) +
            ' and use Find in output (Ctrl+F).',
          command: first,
        };
      case ';':
      case '&':
        return {
          text:
            'Ogent runs one program at a time: ' +
            (first === null
              ? 'run each command on its own.'
              : `run \`${first}\` first, then the next.`),
          command: first,
        };
      case '>':
      case '<':
        return {
          text:
            'Redirection is not available: ' +
            (first === null ? 'run the command' : `run \`${first}\``) +
            ' and use Download to keep its output.',
          command: first,
        };
      case '*':
      case '?':
      case '[':
        return globAdvice(command, position, commands);
      case '{':
      case '}':
        return {
          text: 'Brace expansion is not available: write each word in full.',
          command: null,
        };
      case '~':
        return { text: '`~` is not expanded: write the full path.', command: null };
      case '$':
      case '`':
      case '(':
      case ')':
        return {
          text: 'Nothing is expanded or run inside a command: type the value itself.',
          command: null,
        };
      default:
        return null;
    }
  }
  if (refusal.span === null) return null;
  const { start, end } = refusal.span;
  const word = slice(command, start, end);
  const replaced = (name: string): string => slice(command, 0, start) + name + slice(command, end);
  let names: readonly string[] = [];
  if (
    refusal.refusalCode === 'unknown_command' ||
    refusal.refusalCode === 'command_not_permitted'
  ) {
    names = commands.map((c) => c.name);
  } else if (refusal.refusalCode === 'option_not_allowed' && word.startsWith('-')) {
    const name = Array.from(command).slice(0, refusal.span.start).join('').trim().split(/\s+/)[0];
    const hint = commands.find((c) => c.name === name);
    names = hint?.optionHints.map((o) => o.name) ?? [];
  }
  const [suggestion, ...others] = didYouMean(word, names);
  if (suggestion === undefined) return null;
  return {
    text:
      others.length === 0
        ? `Did you mean \`${suggestion}\`?`
        : `Did you mean ${[suggestion, ...others].map((n) => `\`${n}\``).join(' or ')}?`,
    command: replaced(suggestion),
  };
}
