import {
  type Decision,
  type Refusal,
  type RefusalCode,
  type WordSpan,
  aboutWord,
  refuse,
} from './decision.js';
import { sanitizeInput } from './sanitize.js';
import { type CompiledRule, type ValuedOption, compileRule } from './compile.js';
import {
  type CommandRule,
  type PolicyConfig,
  type PolicyConfigInput,
  type Role,
  policyConfigSchema,
} from './schema.js';
import { tokenize } from './tokenize.js';
import type { PathOperand } from '../path-operands.js';

/** Who is asking and where: the roles come from the authenticated user, the target from the request. */
export interface AccessContext {
  readonly roles: readonly string[];
  readonly target: string;
}

/** `*` matches every target; `web-*` every id starting with `web-`; anything else itself. */
export function targetMatches(pattern: string, target: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return target.startsWith(pattern.slice(0, -1));
  return pattern === target;
}

function listOr(items: readonly string[], none: string): string {
  return items.length === 0 ? none : items.join(', ');
}

/**
 * The whitelist. Decides, without any I/O, whether a command line may run for a set of roles on a
 * target, and if so returns the exact argv to run. Everything not explicitly allowed is refused
 * with a reason a user can act on.
 */
export class CommandPolicy {
  readonly config: PolicyConfig;
  private readonly rules: ReadonlyMap<string, CompiledRule>;
  private readonly byPath: ReadonlyMap<string, CompiledRule>;

  /** Validates the policy (throws a ZodError naming the bad key) and compiles its patterns. */
  constructor(config: PolicyConfigInput) {
    this.config = policyConfigSchema.parse(config);
    const rules = new Map<string, CompiledRule>();
    const byPath = new Map<string, CompiledRule>();
    for (const [name, rule] of Object.entries(this.config.commands)) {
      const compiled = compileRule(name, rule);
      rules.set(name, compiled);
      if (!byPath.has(rule.path)) byPath.set(rule.path, compiled);
    }
    this.rules = rules;
    this.byPath = byPath;
  }

  /**
   * A role by name. Role names can come from an identity provider's token, so a name such as
   * `constructor` or `__proto__` must not reach the prototype of the plain object they live in.
   */
  private role(name: string): Role | undefined {
    return Object.hasOwn(this.config.roles, name) ? this.config.roles[name] : undefined;
  }

  /** The commands these roles may run on this target, sorted by name. */
  permittedCommands(access: AccessContext): { name: string; rule: CommandRule }[] {
    const names = new Set<string>();
    for (const roleName of access.roles) {
      const role = this.role(roleName);
      if (role === undefined || !role.targets.some((t) => targetMatches(t, access.target))) {
        continue;
      }
      for (const command of role.commands) {
        if (command === '*') for (const name of this.rules.keys()) names.add(name);
        else names.add(command);
      }
    }
    return [...names].sort().flatMap((name) => {
      const compiled = this.rules.get(name);
      return compiled === undefined ? [] : [{ name, rule: compiled.rule }];
    });
  }

  /** Whether any of these roles may use this target at all. */
  targetPermitted(roles: readonly string[], target: string): boolean {
    return roles.some((roleName) =>
      (this.role(roleName)?.targets ?? []).some((t) => targetMatches(t, target)),
    );
  }

  /** Decides on one command line. Never throws for any input string. */
  check(input: string, access: AccessContext): Decision {
    const sanitized = sanitizeInput(input, this.config.maxInputLength);
    if (!sanitized.ok) return sanitized.refusal;
    const tokens = tokenize(sanitized.text);
    if (!tokens.ok) return tokens.refusal;
    const [commandWord, ...args] = tokens.argv;
    const [commandSpan, ...argSpans] = tokens.spans;
    if (commandWord === undefined) {
      return refuse('empty', 'input.characters', 'The command is empty.');
    }

    const compiled = this.rules.get(commandWord) ?? this.byPath.get(commandWord);
    const permitted = this.permittedCommands(access).map((c) => c.name);
    if (compiled === undefined) {
      return aboutWord(
        refuse(
          'unknown_command',
          'commands',
          `\`${commandWord}\` is not an allowed command. Allowed on ${access.target}: ` +
            `${listOr(permitted, 'none')}.`,
        ),
        commandSpan,
      );
    }
    if (!permitted.includes(compiled.name)) {
      const anywhere = access.roles.some((roleName) => {
        const commands = this.role(roleName)?.commands ?? [];
        return commands.includes('*') || commands.includes(compiled.name);
      });
      return aboutWord(
        anywhere
          ? refuse(
              'target_not_permitted',
              'roles.targets',
              `Your roles allow \`${compiled.name}\`, but not on target ${access.target}.`,
            )
          : refuse(
              'command_not_permitted',
              'roles.commands',
              `Your roles (${listOr(access.roles, 'none')}) do not allow \`${compiled.name}\`. ` +
                `Allowed on ${access.target}: ${listOr(permitted, 'none')}.`,
            ),
        commandSpan,
      );
    }
    return checkArguments(compiled, args, argSpans);
  }
}

/** An option as typed, and where a path inside it starts, if its value is a limited path. */
interface MatchedOption {
  readonly tokens: readonly string[];
  readonly path?: {
    readonly token: number;
    readonly offset: number;
    readonly prefixes: readonly string[];
  };
}

/** Checks the words after the command name; `spans[i]` is where `args[i]` was typed. */
function checkArguments(
  compiled: CompiledRule,
  args: readonly string[],
  spans: readonly WordSpan[],
): Decision {
  const { name, rule } = compiled;
  const options: MatchedOption[] = [];
  const operands: string[] = [];
  const operandSpans: (WordSpan | undefined)[] = [];
  /** Options and operands in the order typed, for rules that pass them that way. */
  const asTyped: (MatchedOption | string)[] = [];
  let endOfOptions = false;

  for (let i = 0; i < args.length; i += 1) {
    const token = args[i] ?? '';
    if (endOfOptions || !token.startsWith('-') || token === '-') {
      operands.push(token);
      operandSpans.push(spans[i]);
      asTyped.push(token);
      continue;
    }
    if (token === '--' && rule.endOfOptions) {
      endOfOptions = true;
      continue;
    }
    const matched = matchOption(compiled, token, args[i + 1], [spans[i], spans[i + 1]]);
    if ('allowed' in matched) return matched;
    options.push(matched);
    asTyped.push(matched);
    i += matched.tokens.length - 1;
  }

  const min = rule.args?.min ?? 0;
  const max = rule.args?.max ?? 0;
  if (operands.length > max) {
    // The first operand too many is the one marked.
    return aboutWord(
      refuse(
        'too_many_arguments',
        `commands.${name}.args`,
        max === 0
          ? `\`${name}\` takes no arguments (got ${operands.length}).`
          : `\`${name}\` takes at most ${max} argument${max === 1 ? '' : 's'} (got ${operands.length}).`,
      ),
      operandSpans[max],
    );
  }
  if (operands.length < min) {
    return refuse(
      'too_few_arguments',
      `commands.${name}.args`,
      `\`${name}\` needs at least ${min} argument${min === 1 ? '' : 's'} (got ${operands.length}).`,
    );
  }
  const operandPaths = new Map<number, readonly string[]>();
  for (const [index, operand] of operands.entries()) {
    const positional = compiled.positional[index];
    const spec = positional ?? compiled.rest;
    if (spec === null) continue;
    const where =
      positional === undefined
        ? `commands.${name}.args`
        : `commands.${name}.args.positional.${index}`;
    const problem = spec.check(operand);
    if (problem !== null) {
      return aboutWord(
        refuse('argument_not_allowed', where, `Argument "${operand}" of \`${name}\` ${problem}.`),
        operandSpans[index],
      );
    }
    // Without `--`, a program reads an operand that starts with `-` as an option, which the
    // policy has not checked as one. (`-` alone is standard input by convention.)
    if (!rule.endOfOptions && operand.startsWith('-') && operand !== '-') {
      return aboutWord(
        refuse(
          'argument_not_allowed',
          where,
          `Argument "${operand}" of \`${name}\` starts with - and \`${name}\` does not take \`--\`, so it would be read as an option.`,
        ),
        operandSpans[index],
      );
    }
    if (spec.pathPrefixes !== null) operandPaths.set(index, spec.pathPrefixes);
  }

  const argv: string[] = [rule.path];
  const paths: PathOperand[] = [];
  const pushOption = (option: MatchedOption): void => {
    if (option.path !== undefined) {
      paths.push({
        index: argv.length + option.path.token,
        offset: option.path.offset,
        prefixes: option.path.prefixes,
      });
    }
    argv.push(...option.tokens);
  };
  let operandIndex = 0;
  const pushOperand = (operand: string): void => {
    const prefixes = operandPaths.get(operandIndex);
    if (prefixes !== undefined) paths.push({ index: argv.length, offset: 0, prefixes });
    argv.push(operand);
    operandIndex += 1;
  };
  if (rule.endOfOptions) {
    for (const option of options) pushOption(option);
    if (operands.length > 0) argv.push('--');
    for (const operand of operands) pushOperand(operand);
  } else {
    for (const item of asTyped) {
      if (typeof item === 'string') pushOperand(item);
      else pushOption(item);
    }
  }
  return { allowed: true, command: name, rule: `commands.${name}`, argv, paths };
}

/**
 * Matches one option token (and its value, if it takes one) or explains the refusal, pointing at
 * the option's word, or at the next word when that is the refused value.
 */
function matchOption(
  compiled: CompiledRule,
  token: string,
  next: string | undefined,
  [tokenSpan, nextSpan]: readonly [WordSpan | undefined, WordSpan | undefined],
): MatchedOption | Refusal {
  const { name } = compiled;
  const rule = `commands.${name}.options`;
  const refuseOption = (code: RefusalCode, reason: string, span = tokenSpan): Refusal =>
    aboutWord(refuse(code, rule, reason), span);
  if (compiled.flags.has(token)) return { tokens: [token] };

  /** The value checked; `offset` is where it starts in `tokens[index]`. */
  const withValue = (
    option: string,
    valued: ValuedOption,
    value: string,
    tokens: readonly string[],
    index: number,
    offset: number,
  ): MatchedOption | Refusal => {
    const problem = valued.value.check(value);
    if (problem !== null) {
      return refuseOption(
        'option_value',
        `Value "${value}" of option ${option} for \`${name}\` ${problem}.`,
        index === 1 ? nextSpan : tokenSpan,
      );
    }
    const prefixes = valued.value.pathPrefixes;
    return prefixes === null ? { tokens } : { tokens, path: { token: index, offset, prefixes } };
  };

  const equals = token.indexOf('=');
  if (token.startsWith('--') && equals > 2) {
    // Exact names only: `--checkp=x` is not `--checkpoint=x` here, whatever GNU getopt thinks.
    const option = token.slice(0, equals);
    const valued = compiled.valued.get(option);
    if (valued !== undefined) {
      return withValue(option, valued, token.slice(equals + 1), [token], 0, equals + 1);
    }
    if (compiled.flags.has(option)) {
      return refuseOption('option_value', `Option ${option} of \`${name}\` takes no value.`);
    }
  }

  const valued = compiled.valued.get(token);
  if (valued !== undefined) {
    // An optional value is only ever attached: the next word is an operand, to the program and
    // so to the policy (`ls --color never` lists a file called `never`).
    if (valued.argument === 'optional') return { tokens: [token] };
    if (next === undefined) {
      return refuseOption('option_value', `Option ${token} of \`${name}\` needs a value.`);
    }
    return withValue(token, valued, next, [token, next], 1, 0);
  }

  if (!token.startsWith('--') && token.length > 2) {
    const short = token.slice(0, 2);
    const attached = compiled.valued.get(short);
    if (attached !== undefined) return withValue(short, attached, token.slice(2), [token], 0, 2);
    const letters = token.slice(1);
    if (
      compiled.bundleLetters.size > 0 &&
      /^[A-Za-z0-9]+$/.test(letters) &&
      [...letters].every((letter) => compiled.bundleLetters.has(letter))
    ) {
      return { tokens: [token] };
    }
  }

  return refuseOption(
    'option_not_allowed',
    `Option ${token} is not allowed for \`${name}\`; allowed: ${listOr(compiled.optionNames, 'no options')}.`,
  );
}
