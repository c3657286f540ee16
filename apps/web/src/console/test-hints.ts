import type { CommandHint } from '../api/types.js';

/** Command hints for the console's unit tests, shaped as `targets.list` gives them. */

type ValueHint = CommandHint['operandHints'][number];

/** An operand's or an option's value hint that says nothing but what `over` says. */
export function valueHint(over: Partial<ValueHint> = {}): ValueHint {
  return {
    placeholder: 'ARG',
    accepts: null,
    integer: null,
    choices: null,
    pathPrefixes: null,
    ...over,
  };
}

/** The hint for command `name`: no options, up to four untyped operands, unless `over` says. */
export function commandHint(name: string, over: Partial<CommandHint> = {}): CommandHint {
  return {
    name,
    description: null,
    usage: name,
    options: [],
    optionHints: [],
    minArgs: 0,
    maxArgs: 4,
    operandHints: [],
    ...over,
  };
}
