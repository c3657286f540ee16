import type { CommandRule } from './schema.js';
import { type CompiledValue, compileValueSpec } from './values.js';

/** An option that takes a value, compiled. */
export interface ValuedOption {
  readonly argument: 'required' | 'optional';
  readonly value: CompiledValue;
}

/** A command's rule, made ready for checking a command line against it. */
export interface CompiledRule {
  readonly name: string;
  readonly rule: CommandRule;
  /** Exact tokens that take no value. */
  readonly flags: ReadonlySet<string>;
  /** Single letters that may be bundled (`-l` and `-a` give `-la`), when the rule allows it. */
  readonly bundleLetters: ReadonlySet<string>;
  /** Options taking a value, by name (`-n`, `--lines`, `-name`). */
  readonly valued: ReadonlyMap<string, ValuedOption>;
  /** Checks for the operands: by position first, then `rest` for the others. */
  readonly positional: readonly CompiledValue[];
  readonly rest: CompiledValue | null;
  /** For refusals: what is allowed instead. */
  readonly optionNames: readonly string[];
}

/** Compiles a command's rule: options sorted by kind, value checks compiled once. */
export function compileRule(name: string, rule: CommandRule): CompiledRule {
  const flags = new Set<string>();
  const valued = new Map<string, ValuedOption>();
  for (const option of rule.options) {
    if (typeof option === 'string') {
      flags.add(option);
      continue;
    }
    const argument = option.argument ?? (option.value === undefined ? 'none' : 'required');
    if (argument === 'none' || option.value === undefined) flags.add(option.name);
    else valued.set(option.name, { argument, value: compileValueSpec(option.value) });
  }
  const bundleLetters = new Set<string>();
  if (rule.bundle) {
    for (const flag of flags) if (/^-[A-Za-z0-9]$/.test(flag)) bundleLetters.add(flag.slice(1));
  }
  return {
    name,
    rule,
    flags,
    bundleLetters,
    valued,
    positional: (rule.args?.positional ?? []).map(compileValueSpec),
    rest: rule.args === undefined ? null : compileValueSpec(rule.args),
    optionNames: rule.options.map((o) => (typeof o === 'string' ? o : o.name)),
  };
}
