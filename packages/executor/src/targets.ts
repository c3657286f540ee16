import { z } from 'zod';

const targetId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a target id is 1-64 letters, digits, . _ -');

/**
 * Labels that select a target for fleet runs (`role=web,env!=prod`): keys like `role` or
 * `example.com/zone`, values of letters, digits, `.`, `_`, `-`.
 */
export const targetLabelsSchema = z
  .record(
    z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/,
        'a label key is 1-63 letters, digits, . _ / - (starting with a letter or digit)',
      ),
    z.string().regex(/^[A-Za-z0-9._-]{0,63}$/, 'a label value is 0-63 letters, digits, . _ -'),
  )
  .optional();

const fingerprint = z
  .string()
  .regex(
    /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/,
    'must be a SHA-256 fingerprint like "SHA256:..." (see `ssh-keyscan HOST | ssh-keygen -lf -`)',
  );

export const sshTargetSchema = z
  .object({
    id: targetId,
    transport: z.literal('ssh'),
    /** Shown to people instead of the id. */
    label: z.string().optional(),
    labels: targetLabelsSchema,
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    /** Private key file (OpenSSH or PEM format). */
    privateKeyPath: z.string().optional(),
    /** The private key itself, e.g. `${SSH_KEY}` from the environment. */
    privateKey: z.string().optional(),
    passphrase: z.string().optional(),
    /** Path of an ssh-agent socket to authenticate with, e.g. `${SSH_AUTH_SOCK}`. */
    agent: z.string().optional(),
    /** The server's host key fingerprint(s). Connections to any other key are refused. */
    hostKeySha256: z.union([fingerprint, z.array(fingerprint).nonempty()]),
    /** Sessions per connection: OpenSSH's `MaxSessions` (10 unless the server says otherwise). */
    maxSessions: z.number().int().min(1).max(1000).default(10),
    /** Connections kept to this target at most; more executions than these allow wait. */
    maxConnections: z.number().int().min(1).max(100).default(10),
    keepaliveIntervalMs: z.number().int().min(0).default(5_000),
    /** Unanswered keepalives before the connection is declared dead. */
    keepaliveCountMax: z.number().int().min(1).default(3),
    /** Time allowed to connect and authenticate. */
    readyTimeoutMs: z.number().int().min(100).default(10_000),
    /** Idle connections are closed after this long. */
    idleTimeoutMs: z.number().int().min(0).default(60_000),
  })
  .strict()
  .refine(
    (t) => t.privateKeyPath !== undefined || t.privateKey !== undefined || t.agent !== undefined,
    {
      message: 'needs privateKeyPath, privateKey or agent to authenticate',
    },
  );

export const localTargetSchema = z
  .object({
    id: targetId,
    transport: z.literal('local'),
    label: z.string().optional(),
    labels: targetLabelsSchema,
    /**
     * The account commands run as. A server started as root runs them as this account (default
     * `nobody`), never as root unless `runAsRoot` says so; a server started as anyone else runs
     * them as itself, and this must then be unset or name that same account.
     */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/i, 'must be an account name')
      .optional(),
    /** Run commands as root when the server runs as root. Off: a local target is never root by accident. */
    runAsRoot: z.boolean().optional(),
  })
  .strict();

export const targetSchema = z.discriminatedUnion('transport', [sshTargetSchema, localTargetSchema]);

export type SshTarget = z.infer<typeof sshTargetSchema>;
export type LocalTarget = z.infer<typeof localTargetSchema>;
export type Target = z.infer<typeof targetSchema>;
export type TargetInput = z.input<typeof targetSchema>;
