import type { CommandPolicy, CommandRule, Target, ValueSpec } from '@ogent/executor';
import type { AuthUser } from './domain/user.js';

/** What a value (an operand, or an option's value) may be: for usage, hints and completion. */
export interface ValueHint {
  /** What the usage calls it: `N` (a number), `PATH`, `f|d|l` (the choices), `ARG`, `VALUE`. */
  readonly placeholder: string;
  /** What it accepts, for people: `0-3600`, `under /var/log`, `f, d or l`; null when not said. */
  readonly accepts: string | null;
  /** A whole number, within these bounds (null: unbounded on that side). */
  readonly integer: { readonly min: number | null; readonly max: number | null } | null;
  /** The only values it takes. */
  readonly choices: readonly string[] | null;
  /** An absolute path at or below one of these. */
  readonly pathPrefixes: readonly string[] | null;
}

/** An option, as it is typed. */
export interface OptionHint {
  /** `-l`, `--color=always` (an exact token), `-n` or `--lines` (which take a value). */
  readonly name: string;
  /**
   * `none`: typed as it is; `required`: a value follows (`-n 5`, `--lines=5`); `optional`: a
   * value may be attached (`--color=never`), never a separate word.
   */
  readonly argument: 'none' | 'required' | 'optional';
  readonly value: ValueHint | null;
}

/** What a user may run on a target, described for hints and completion in the console. */
export interface CommandHint {
  readonly name: string;
  readonly description: string | null;
  /** `tail [-n N (1-100000)] PATH [PATH ...] under /var/log`: the options, operands and ranges. */
  readonly usage: string;
  /** Each option as the usage shows it: `-l`, `--color=always`, `-n N`, `--lines=N`. */
  readonly options: readonly string[];
  readonly optionHints: readonly OptionHint[];
  readonly minArgs: number;
  readonly maxArgs: number;
  /**
   * What operands may be: operand `i` follows `operandHints[i]`, those past the end the last one.
   * Empty when the command takes none.
   */
  readonly operandHints: readonly ValueHint[];
}

export interface TargetView {
  readonly id: string;
  readonly label: string;
  readonly transport: Target['transport'];
  /** Where an SSH target is (`10.0.0.5`, `db.example.com:2222`); null for the server's own host. */
  readonly host: string | null;
  /** The target's labels, for selectors (`role=web,env!=prod`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly commands: readonly CommandHint[];
}

/** `a, b or c`. */
function listOr(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

/** A value spec for people; `fallback` is its placeholder when nothing narrower says what it is. */
function describeValue(spec: ValueSpec, fallback: string): ValueHint {
  const integer =
    spec.integer === undefined
      ? null
      : spec.integer === true
        ? { min: null, max: null }
        : { min: spec.integer.min ?? null, max: spec.integer.max ?? null };
  const prefixes =
    spec.pathPrefix === undefined
      ? null
      : typeof spec.pathPrefix === 'string'
        ? [spec.pathPrefix]
        : [...spec.pathPrefix];
  const choices = spec.enum === undefined ? null : [...spec.enum];
  let placeholder = fallback;
  let accepts: string | null = null;
  if (choices !== null) {
    // A few short choices read best in place (`-type f|d|l`); more are listed after.
    const inline = choices.length <= 4 && choices.every((c) => /^[^\s|]{1,12}$/.test(c));
    placeholder = inline ? choices.join('|') : fallback;
    accepts = inline ? null : listOr(choices);
  } else if (integer !== null) {
    placeholder = 'N';
    if (integer.min !== null && integer.max !== null) accepts = `${integer.min}-${integer.max}`;
    else if (integer.min !== null) accepts = `${integer.min} or more`;
    else if (integer.max !== null) accepts = `up to ${integer.max}`;
  } else if (prefixes !== null) {
    placeholder = 'PATH';
    accepts = `under ${listOr(prefixes)}`;
  }
  return { placeholder, accepts, integer, choices, pathPrefixes: prefixes };
}

/** A placeholder with what it accepts: `N (0-3600)`, `PATH under /var/log`. */
function withAccepts(hint: ValueHint): string {
  if (hint.accepts === null) return hint.placeholder;
  return hint.pathPrefixes !== null && hint.choices === null
    ? `${hint.placeholder} ${hint.accepts}`
    : `${hint.placeholder} (${hint.accepts})`;
}

function describeOption(option: CommandRule['options'][number]): OptionHint {
  if (typeof option === 'string') return { name: option, argument: 'none', value: null };
  const argument = option.argument ?? (option.value === undefined ? 'none' : 'required');
  return {
    name: option.name,
    argument,
    value:
      argument === 'none' || option.value === undefined
        ? null
        : describeValue(option.value, 'VALUE'),
  };
}

/** `-n N (1-100000)`, `--lines=N`, `--color[=WHEN]`: an option as the usage shows it. */
function optionUsage(option: OptionHint, ranges: boolean): string {
  if (option.value === null) return option.name;
  const value = ranges ? withAccepts(option.value) : option.value.placeholder;
  const long = option.name.startsWith('--');
  if (option.argument === 'optional')
    return long ? `${option.name}[=${value}]` : `${option.name}[${value}]`;
  return long ? `${option.name}=${value}` : `${option.name} ${value}`;
}

/**
 * The operands as the usage shows them: the required ones, then the optional ones (`[PATH ...]`),
 * each kind of value followed by what it accepts after the last word that takes it.
 */
function operandsUsage(hints: readonly ValueHint[], min: number, max: number): string[] {
  if (max === 0) return [];
  const hintAt = (index: number): ValueHint | undefined => hints[Math.min(index, hints.length - 1)];
  const words: { text: string; hint: ValueHint | undefined }[] = [];
  for (let i = 0; i < min; i += 1) {
    const hint = hintAt(i);
    words.push({ text: hint?.placeholder ?? 'ARG', hint });
  }
  if (max > min) {
    const hint = hintAt(min);
    const placeholder = hint?.placeholder ?? 'ARG';
    words.push({ text: max - min === 1 ? `[${placeholder}]` : `[${placeholder} ...]`, hint });
  }
  return words.map(({ text, hint }, i) => {
    const last = !words.slice(i + 1).some((w) => w.hint === hint);
    if (!last || hint === undefined || hint.accepts === null) return text;
    const rest = withAccepts(hint).slice(hint.placeholder.length);
    return `${text}${rest}`;
  });
}

/** How a rule reads in the console and in `ogent targets`. */
function describeRule(name: string, rule: CommandRule): CommandHint {
  const optionHints = rule.options.map(describeOption);
  const min = rule.args?.min ?? 0;
  const max = rule.args?.max ?? 0;
  const args = rule.args;
  const operandHints =
    args === undefined || max === 0
      ? []
      : [
          ...(args.positional ?? []).slice(0, max).map((spec) => describeValue(spec, 'ARG')),
          ...((args.positional?.length ?? 0) < max ? [describeValue(args, 'ARG')] : []),
        ];
  return {
    name,
    description: rule.description ?? null,
    usage: [
      name,
      ...optionHints.map((o) => `[${optionUsage(o, true)}]`),
      ...operandsUsage(operandHints, min, max),
    ].join(' '),
    options: optionHints.map((o) => optionUsage(o, false)),
    optionHints,
    minArgs: min,
    maxArgs: max,
    operandHints,
  };
}

/** `host`, or `host:port` off the default port (IPv6 in brackets). */
function hostOf(target: Target): string | null {
  if (target.transport !== 'ssh') return null;
  if (target.port === 22) return target.host;
  return target.host.includes(':')
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

/** The targets and, for each, the commands a user's roles allow there. */
export class TargetCatalog {
  constructor(
    private readonly targets: readonly Target[],
    private readonly policy: CommandPolicy,
  ) {}

  list(user: AuthUser): TargetView[] {
    return this.targets
      .filter((t) => this.policy.targetPermitted(user.roles, t.id))
      .map((t) => ({
        id: t.id,
        label: t.label ?? t.id,
        transport: t.transport,
        host: hostOf(t),
        labels: t.labels ?? {},
        commands: this.policy
          .permittedCommands({ roles: user.roles, target: t.id })
          .map(({ name, rule }) => describeRule(name, rule)),
      }));
  }
}
