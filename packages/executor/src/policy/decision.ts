import type { PathOperand } from '../path-operands.js';

/** Machine-readable reasons for refusing a command. Stable: stored in audit records. */
export type RefusalCode =
  | 'empty'
  | 'too_long'
  | 'malformed_unicode'
  | 'control_character'
  | 'invisible_character'
  | 'unassigned_character'
  | 'shell_syntax'
  | 'unterminated_quote'
  | 'env_assignment'
  | 'unknown_command'
  | 'command_not_permitted'
  | 'target_not_permitted'
  | 'option_not_allowed'
  | 'option_value'
  | 'too_many_arguments'
  | 'too_few_arguments'
  | 'argument_not_allowed';

export interface Refusal {
  readonly allowed: false;
  readonly code: RefusalCode;
  /** A sentence a user can act on: what was refused and what is allowed instead. */
  readonly reason: string;
  /** Which rule decided, e.g. `input.control-characters` or `commands.find.options`. */
  readonly rule: string;
  /** Zero-based position in the input (in code points) of the offending character, if any. */
  readonly position?: number;
  /** The word the refusal is about (the command name, an option, a value, an operand), if any. */
  readonly span?: WordSpan;
}

/** Where a word is in the input as typed, quotes included: code points, `end` exclusive. */
export interface WordSpan {
  readonly start: number;
  readonly end: number;
}

export interface Permitted {
  readonly allowed: true;
  /** The command's name in the policy (the key under `commands`). */
  readonly command: string;
  /** `commands.<name>`: the rule that allowed it. */
  readonly rule: string;
  /** What runs on the target: the rule's absolute path, then the validated arguments. */
  readonly argv: readonly string[];
  /**
   * The elements of argv that name limited paths: the transport resolves them on the target and
   * runs the program only if each one still lies under its prefixes.
   */
  readonly paths: readonly PathOperand[];
}

export type Decision = Permitted | Refusal;

export function refuse(
  code: RefusalCode,
  rule: string,
  reason: string,
  position?: number,
): Refusal {
  return position === undefined
    ? { allowed: false, code, rule, reason }
    : { allowed: false, code, rule, reason, position };
}

/** The refusal, pointing at the word it is about (when the word is known). */
export function aboutWord(refusal: Refusal, span: WordSpan | undefined): Refusal {
  return span === undefined ? refusal : { ...refusal, span };
}
