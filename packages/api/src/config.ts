import { roleSchema } from '@ogent/executor';
import { z } from 'zod';
import { isPasswordHash } from './passwords.js';

/** A role: which commands on which targets, plus what it may see and stop of other people's. */
export const appRoleSchema = roleSchema
  .extend({
    /** See and replay every user's executions, not only one's own. */
    viewAll: z.boolean().default(false),
    /** Cancel every user's executions. */
    cancelAll: z.boolean().default(false),
    /** Read the audit trail (`GET /api/audit`, `audit.list`). */
    audit: z.boolean().default(false),
    /** Disable accounts, change their roles at run time and end their sessions (`users.*`). */
    manageUsers: z.boolean().default(false),
  })
  .strict();

export const usernameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a username is 1-64 letters, digits, . _ @ -');

export const userSchema = z
  .object({
    username: usernameSchema,
    /** Plain password, normally `${ENV_VAR}`: hashed in memory at start-up, never stored. */
    password: z.string().min(8, 'must be at least 8 characters').optional(),
    /** `scrypt$...` hash from `ogent-server hash-password`. */
    passwordHash: z
      .string()
      // The whole format, not just the prefix: a malformed hash would let nobody sign in.
      .refine(
        isPasswordHash,
        'must be a scrypt$N$r$p$salt$hash value (see `npm run hash-password`)',
      )
      .optional(),
    roles: z.array(z.string()).default([]),
  })
  .strict()
  .refine((u) => (u.password === undefined) !== (u.passwordHash === undefined), {
    message: 'give exactly one of password or passwordHash',
  });

const duration = z
  .string()
  .regex(/^\d+\s?(s|sec|m|min|h|hr|d)$/, 'a duration like 900s, 15m, 1h or 1d');

export const authConfigSchema = z
  .object({
    /**
     * Lifetime of an issued token. The console renews its token while its user is active, so
     * this is how long an idle console stays signed in.
     */
    tokenTtl: duration.default('1h'),
    /** The longest a session lasts from its sign-in, however often its token is renewed. */
    maxSessionAge: duration.default('12h'),
    /** An outside identity provider whose tokens are accepted too. */
    jwksUrl: z.url().optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    algorithms: z.array(z.string()).default(['RS256', 'ES256', 'EdDSA']),
    rolesClaim: z.string().default('roles'),
    usernameClaim: z.string().default('sub'),
    /**
     * Failed sign-ins one account may have from one client address before each further failure
     * makes that account wait, from that address only, 1 s, then 2 s, 4 s ... up to
     * `maxLoginDelay`. Nobody can lock a user out: the user signing in from another address is
     * not slowed down, and a success starts the count again.
     */
    maxLoginFailures: z.number().int().min(0).default(5),
    /**
     * Failed sign-ins one client address may have across all accounts before the same delays
     * apply to the whole address. Larger than `maxLoginFailures`: people behind one NAT share an
     * address.
     */
    maxAddressFailures: z.number().int().min(0).default(30),
    /** How long failed sign-ins are remembered, counted from the first of a series. */
    loginWindow: duration.default('1h'),
    /** The longest delay a key has to wait between failed sign-ins. */
    maxLoginDelay: duration.default('15m'),
  })
  .strict()
  .refine((a) => a.jwksUrl === undefined || (a.issuer !== undefined && a.audience !== undefined), {
    message: 'jwksUrl needs issuer and audience',
  });

export const limitsConfigSchema = z
  .object({
    /** Executions one user may have running at once. */
    maxConcurrentPerUser: z.number().int().min(1).default(8),
    /** Wall-clock limit of one execution. */
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10 * 60_000),
    /** Output kept (and streamed) per execution; beyond it the command is stopped. */
    maxOutputBytes: z
      .number()
      .int()
      .min(1)
      .default(128 * 1024 * 1024),
    /** Longest command line accepted. */
    maxInputLength: z.number().int().min(16).default(4096),
  })
  .strict();

/** Fleet runs: one command on many targets. */
export const runsConfigSchema = z
  .object({
    /** Hosts of one run running at once when the run does not say. */
    defaultConcurrency: z.number().int().min(1).default(10),
    /** The most a run may ask for. */
    maxConcurrency: z.number().int().min(1).max(10_000).default(100),
    /** The most targets one run may have. */
    maxTargets: z.number().int().min(1).max(100_000).default(5_000),
    /** Runs one user may have running at once. */
    maxRunningPerUser: z.number().int().min(1).default(4),
    /**
     * How often each instance looks at running runs, in milliseconds: to take up free room in
     * their windows and to end hosts whose instance died (default 1000, 250 in cluster mode).
     */
    tickMs: z.number().int().min(10).optional(),
  })
  .strict()
  .refine((r) => r.defaultConcurrency <= r.maxConcurrency, {
    message: 'defaultConcurrency must not exceed maxConcurrency',
    path: ['defaultConcurrency'],
  });

/** How long things are kept, and how much output may be stored. */
export const retentionConfigSchema = z
  .object({
    /** Output of ended executions is deleted this long after they ended (`off`: kept). */
    output: z.union([z.literal('off'), duration]).default('30d'),
    /** Records (and fleet runs) are deleted this long after they ended; the audit trail stays. */
    records: z.union([z.literal('off'), duration]).default('365d'),
    /** Stored output in all, in bytes: beyond it the oldest ended executions' output goes. */
    maxOutputBytes: z.number().int().min(1).optional(),
    /** How often the pruning job runs. */
    every: duration.default('1h'),
  })
  .strict()
  .refine(
    (r) =>
      r.output === 'off' || r.records === 'off' || durationMs(r.records) >= durationMs(r.output),
    { message: 'records must be kept at least as long as output', path: ['records'] },
  );

/** Per-user quotas; unset: none. */
export const quotasConfigSchema = z
  .object({
    /** Output bytes one user's executions may produce per day (counted as they end). */
    outputBytesPerDay: z.number().int().min(1).optional(),
    /** Refused attempts one user may make per minute; beyond, attempts get 429 unrecorded. */
    refusalsPerMinute: z.number().int().min(1).optional(),
  })
  .strict();

export type AppRole = z.infer<typeof appRoleSchema>;
export type RetentionConfig = z.infer<typeof retentionConfigSchema>;
export type QuotasConfig = z.infer<typeof quotasConfigSchema>;
export type RunsConfig = z.infer<typeof runsConfigSchema>;
export type UserConfig = z.infer<typeof userSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type LimitsConfig = z.infer<typeof limitsConfigSchema>;

/** Parses `15m`-style durations into milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+)\s?(s|sec|m|min|h|hr|d)$/.exec(value);
  if (match === null) throw new Error(`not a duration: ${value}`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const seconds = unit.startsWith('s')
    ? 1
    : unit.startsWith('m')
      ? 60
      : unit.startsWith('h')
        ? 3600
        : 86_400;
  return n * seconds * 1000;
}
