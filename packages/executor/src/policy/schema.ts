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

export const argsSpecSchema = valueSpecSchema.extend({
  /** Fewest operands. */
  min: z.number().int().nonnegative().default(0),
  /** Most operands. */
  max: z.number().int().nonnegative().default(64),
});

export const optionSpecSchema = z.union([
  /** An exact token that takes no value: `-l`, `--all`, `-la`. */
  z.string().regex(/^-/, 'an option must start with -'),
  /**
   * An option that takes a value. `-n` accepts `-n 10` and `-n10`; `--lines` accepts
   * `--lines=10` and `--lines 10`; a single-dash long name such as find's `-name` accepts
   * `-name VALUE` only.
   */
  z
    .object({
      name: z.string().regex(/^--?[A-Za-z0-9]/, 'an option name must start with - or --'),
      value: valueSpecSchema,
    })
    .strict(),
]);

export const commandRuleSchema = z
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
     * The program honours `--` as the end of options: Ogent then passes options first, `--`,
     * then the operands, so an operand can never be read as an option.
     */
    endOfOptions: z.boolean().default(false),
  })
  .strict();

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
