import type { CommandPolicy, CommandRule, Target } from '@ogent/executor';
import type { AuthUser } from './auth/service.js';

/** What a user may run on a target, described for hints and completion in the console. */
export interface CommandHint {
  readonly name: string;
  readonly description: string | null;
  /** `ls [-l] [-a] [ARG ...]`-style summary. */
  readonly usage: string;
  readonly options: readonly string[];
  readonly minArgs: number;
  readonly maxArgs: number;
}

export interface TargetView {
  readonly id: string;
  readonly label: string;
  readonly transport: Target['transport'];
  /** The target's labels, for selectors (`role=web,env!=prod`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly commands: readonly CommandHint[];
}

function describeRule(name: string, rule: CommandRule): CommandHint {
  const options = rule.options.map((o) => {
    if (typeof o === 'string') return o;
    const argument = o.argument ?? (o.value === undefined ? 'none' : 'required');
    if (argument === 'none') return o.name;
    // An optional value is attached or absent, never a separate word.
    if (argument === 'optional')
      return o.name.startsWith('--') ? `${o.name}[=VALUE]` : `${o.name}[VALUE]`;
    if (o.name.startsWith('--')) return `${o.name}=VALUE`;
    return `${o.name} VALUE`;
  });
  const min = rule.args?.min ?? 0;
  const max = rule.args?.max ?? 0;
  const operand =
    rule.args?.pathPrefix !== undefined || rule.args?.positional?.[0]?.pathPrefix !== undefined
      ? 'PATH'
      : 'ARG';
  const operands =
    max === 0
      ? []
      : [
          ...Array.from({ length: min }, () => operand),
          ...(max > min ? [max - min === 1 ? `[${operand}]` : `[${operand} ...]`] : []),
        ];
  return {
    name,
    description: rule.description ?? null,
    usage: [name, ...options.map((o) => `[${o}]`), ...operands].join(' '),
    options,
    minArgs: min,
    maxArgs: max,
  };
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
        labels: t.labels ?? {},
        commands: this.policy
          .permittedCommands({ roles: user.roles, target: t.id })
          .map(({ name, rule }) => describeRule(name, rule)),
      }));
  }
}
