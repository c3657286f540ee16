import { z } from 'zod';
import { DEFAULT_MAX_INPUT_LENGTH } from './sanitize.js';
import { nestedQuantifier } from './regex-safety.js';

/** A regular expression from the policy file, refused at load time if it could backtrack badly. */
const safePattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'u');
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression: ${(error as Error).message}`,
    });
    return;
  }
  const nested = nestedQuantifier(source);
  if (nested !== null) {
    ctx.addIssue({
      code: 'custom',
      message: `${nested} (a repeated group holding a quantifier or |) can backtrack catastrophically; rewrite it, e.g. with a character class`,
    });
  }
});

const absolutePath = z
  .string()
  .refine((p) => p.startsWith('/'), 'must be an absolute path (starting with /)');

const pathPrefix = absolutePath.refine(
  (p) => !p.split('/').includes('..'),
  'must not contain `..`',
);

/**
 * What a single value (an operand, or the value of an option) may be. Every listed constraint
 * must hold; a value with none listed may be any string up to `maxLength`.
 */
export const valueSpecSchema = z
  .object({
    /** Regular expression the whole value must match (it is anchored for you). */
    pattern: safePattern.optional(),
    /** The value must be one of these. */
    enum: z.array(z.string()).nonempty().optional(),
    /** The value must be a decimal integer, optionally within bounds. */
    integer: z
      .union([
        z.literal(true),
        z.object({ min: z.number().int().optional(), max: z.number().int().optional() }).strict(),
      ])
      .optional(),
    /**
     * The value must be an absolute path at or below one of these directories. `..` and `.`
     * segments are refused, so the prefix cannot be escaped by traversal.
     */
    pathPrefix: z.union([pathPrefix, z.array(pathPrefix).nonempty()]).optional(),
    /** Longest value accepted, in characters. */
    maxLength: z.number().int().positive().default(1024),
  })
  .strict();

/** Operands whose first (or every) word the program reads as options, whatever `--` says. */
export const argsSpecSchema = valueSpecSchema.extend({
  /** Fewest operands. */
  min: z.number().int().nonnegative().default(0),
  /** Most operands. */
  max: z.number().int().nonnegative().default(64),
  /**
   * Specs for the first operands, in order (`ar`'s key letters, then its archive). Each one
   * replaces the constraints above for its position; later operands use the constraints above.
   */
  positional: z.array(valueSpecSchema).optional(),
});

/**
 * Whether an option takes a value, as getopt_long says it: `none` (a flag), `required` (`-n 5`,
 * `-n5`, `--lines 5`, `--lines=5`) or `optional` (only attached: `-xVALUE` or `--color=never`;
 * a separate word after it is an operand, as the program reads it).
 */
export const optionArgumentSchema = z.enum(['none', 'required', 'optional']);

export const optionSpecSchema = z.union([
  /** An exact token that takes no value: `-l`, `--all`, `-la`; never `--` (see endOfOptions). */
  z
    .string()
    .regex(/^-/, 'an option must start with -')
    .refine((flag) => flag !== '--', '`--` is not an option: it is endOfOptions'),
  /**
   * An option by name. Names match exactly: GNU programs accept unambiguous abbreviations of
   * long options (`--checkp` for `--checkpoint`), the policy never does. A single-dash long
   * name such as find's `-name` takes its value as the next word only.
   */
  z
    .object({
      name: z.string().regex(/^--?[A-Za-z0-9]/, 'an option name must start with - or --'),
      /** Default: `required` when `value` is given, `none` otherwise. */
      argument: optionArgumentSchema.optional(),
      /** The values it accepts (required unless `argument` is `none`). */
      value: valueSpecSchema.optional(),
    })
    .strict()
    .superRefine((option, ctx) => {
      if (option.argument === 'none' && option.value !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'an option with `argument: none` takes no value; remove `value`',
        });
      }
      if (
        option.argument !== undefined &&
        option.argument !== 'none' &&
        option.value === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `an option with \`argument: ${option.argument}\` needs \`value\`: the values it accepts`,
        });
      }
      if (option.argument === 'optional' && /^-[A-Za-z0-9]{2,}$/.test(option.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['argument'],
          message: `a single-dash long option (${option.name}) cannot take an optional value: there is no attached form`,
        });
      }
    }),
]);

const commandRuleBase = z
  .object({
    /** Absolute path of the program on the target; the command always runs by this path. */
    path: absolutePath,
    description: z.string().optional(),
    /** Options allowed; anything that starts with `-` and is not listed is refused. */
    options: z.array(optionSpecSchema).default([]),
    /**
     * Accept bundles of single-letter flags (`-lah` when `-l`, `-a` and `-h` are each allowed),
     * as getopt does. Off by default: not every program parses its options with getopt.
     */
    bundle: z.boolean().default(false),
    /** Operands (non-option arguments). Absent: the command takes none. */
    args: argsSpecSchema.optional(),
    /**
     * Ogent passes options first, then `--`, then the operands, so that no operand can be read
     * as an option (GNU programs also permute options found after operands; `--` stops that).
     * On by default. Turn it off only for a program that does not honour `--` (`/bin/echo -- hi`
     * prints `-- hi`), or one whose operands come before its options (`find`): operands that
     * start with `-` are then refused.
     */
    endOfOptions: z.boolean().default(true),
  })
  .strict();

/** One allowed command. */
export const commandRuleSchema = commandRuleBase
  .superRefine(refineOperandsReadAsOptions)
  .superRefine(refinePathOperandsNeedOne);

/**
 * Programs that read operands as options, by the file name of their path. `first`: a first
 * operand without `-` is a bundle of option letters (`tar tvf x` is `tar -t -v -f x`); `all`:
 * every operand is (`ps aux`, `dd of=FILE`). `honoursEndOfOptions`: `--` before the operands
 * stops that (GNU tar), or it does not (procps `ps` says "garbage option"; binutils `ar` skips
 * the `--` and reads the next word as its key).
 */
export const OPERANDS_READ_AS_OPTIONS: ReadonlyMap<
  string,
  {
    readonly which: 'first' | 'all';
    readonly honoursEndOfOptions: boolean;
    readonly example: string;
  }
> = new Map([
  [
    'tar',
    { which: 'first', honoursEndOfOptions: true, example: '`tar tvf x` is `tar -t -v -f x`' },
  ],
  [
    'gtar',
    { which: 'first', honoursEndOfOptions: true, example: '`gtar tvf x` is `gtar -t -v -f x`' },
  ],
  [
    'bsdtar',
    { which: 'first', honoursEndOfOptions: true, example: '`bsdtar tvf x` is `bsdtar -t -v -f x`' },
  ],
  [
    'ar',
    { which: 'first', honoursEndOfOptions: false, example: '`ar rc x y` writes the archive x' },
  ],
  ['dump', { which: 'first', honoursEndOfOptions: false, example: '`dump 0f FILE` writes FILE' }],
  [
    'restore',
    { which: 'first', honoursEndOfOptions: false, example: '`restore rf FILE` restores files' },
  ],
  ['ps', { which: 'all', honoursEndOfOptions: false, example: '`ps aux` lists every process' }],
  ['dd', { which: 'all', honoursEndOfOptions: false, example: '`dd of=FILE` writes FILE' }],
]);

function programName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The spec that applies to operand `index` (zero-based). */
export function operandSpec(args: ArgsSpec, index: number): ValueSpec {
  return args.positional?.[index] ?? args;
}

/**
 * Refuses a rule that would let a program read an operand as options: for the programs in
 * {@link OPERANDS_READ_AS_OPTIONS}, such an operand must be an `enum`, unless the program honours
 * `--` and the rule keeps `endOfOptions` on.
 */
function refineOperandsReadAsOptions(
  rule: z.output<typeof commandRuleBase>,
  ctx: z.RefinementCtx,
): void {
  const args = rule.args;
  if (args === undefined || args.max === 0) return;
  const name = programName(rule.path);
  const known = OPERANDS_READ_AS_OPTIONS.get(name);
  if (known === undefined) return;
  if (known.honoursEndOfOptions && rule.endOfOptions) return;
  const positions = known.which === 'first' ? 1 : args.max;
  for (let index = 0; index < positions; index += 1) {
    const spec = operandSpec(args, index);
    if (spec.enum !== undefined) continue;
    const where = args.positional?.[index] !== undefined ? `args.positional[${index}]` : 'args';
    ctx.addIssue({
      code: 'custom',
      path: known.honoursEndOfOptions
        ? ['endOfOptions']
        : args.positional?.[index] !== undefined
          ? ['args', 'positional', index]
          : ['args'],
      message: known.honoursEndOfOptions
        ? `${name} reads a first operand without - as option letters (${known.example}): ` +
          `endOfOptions cannot be off unless that operand is an enum (${where}.enum)`
        : `${name} reads ${known.which === 'first' ? 'its first operand' : 'every operand'} as options and does not honour \`--\` ` +
          `(${known.example}): ${known.which === 'first' ? 'that operand' : 'each operand'} must be an enum (${where}.enum)`,
    });
    return;
  }
}

/**
 * A rule whose operands are limited to paths must have at least one: with none, `ls`, `find`
 * and `du` work on the current directory, which no prefix limits.
 */
function refinePathOperandsNeedOne(
  rule: z.output<typeof commandRuleBase>,
  ctx: z.RefinementCtx,
): void {
  const args = rule.args;
  if (args === undefined || args.max === 0) return;
  // The first operand a prefix limits: a positional one, or the first after the positional ones.
  const positional = args.positional ?? [];
  let first = positional.findIndex((spec) => spec.pathPrefix !== undefined);
  if (first === -1) {
    if (args.pathPrefix === undefined || positional.length >= args.max) return;
    first = positional.length;
  }
  if (args.min >= first + 1) return;
  ctx.addIssue({
    code: 'custom',
    path: ['args', 'min'],
    message:
      `operands limited by pathPrefix need min: ${first + 1} or more (the limited operand must ` +
      'be given): without it the program may work on the current directory, which no prefix limits',
  });
}

export const roleSchema = z
  .object({
    /** Command names from `commands`, or `*` for all of them. */
    commands: z.array(z.string()).default([]),
    /** Target ids, `*` for all, or a prefix glob such as `web-*`. */
    targets: z.array(z.string()).default(['*']),
  })
  .loose();

export const commandNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'a command name is letters, digits, and . _ + -');

export const policyConfigSchema = z
  .object({
    commands: z.record(commandNameSchema, commandRuleSchema),
    roles: z.record(z.string(), roleSchema),
    maxInputLength: z.number().int().positive().default(DEFAULT_MAX_INPUT_LENGTH),
  })
  .superRefine(refineRoleCommands);

/**
 * Reports every command a role names that no rule defines. Shared with configurations that
 * embed a policy (the server's), so both name the same key for the same mistake.
 */
export function refineRoleCommands(
  policy: {
    roles: Record<string, { commands: readonly string[] }>;
    commands: Record<string, unknown>;
  },
  ctx: z.RefinementCtx,
): void {
  for (const [name, role] of Object.entries(policy.roles)) {
    role.commands.forEach((command, index) => {
      if (command !== '*' && !Object.hasOwn(policy.commands, command)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name, 'commands', index],
          message: `unknown command "${command}" (not defined under commands)`,
        });
      }
    });
  }
}

export type ValueSpec = z.infer<typeof valueSpecSchema>;
export type ArgsSpec = z.infer<typeof argsSpecSchema>;
export type OptionSpec = z.infer<typeof optionSpecSchema>;
export type CommandRule = z.infer<typeof commandRuleSchema>;
export type Role = z.infer<typeof roleSchema>;
export type PolicyConfig = z.infer<typeof policyConfigSchema>;
/** What a policy file looks like before defaults are applied. */
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;
