import {
  DEFAULT_SEARCH_OUTPUT_BYTES,
  appRoleSchema,
  authConfigSchema,
  limitsConfigSchema,
  quotasConfigSchema,
  retentionConfigSchema,
  runsConfigSchema,
  userSchema,
} from '@ogent/api';
import {
  commandNameSchema,
  commandRuleSchema,
  refineRoleCommands,
  targetSchema,
} from '@ogent/executor';
import { z } from 'zod';

export const serverSectionSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(3000),
    /** SQLite database, signing key and other state. Relative to the config file's directory. */
    dataDir: z.string().min(1).default('./data'),
    /** Built web console to serve at `/`; defaults to the one built in apps/web/dist. */
    webRoot: z.string().optional(),
    /**
     * The URL people open in the browser (e.g. `https://ogent.example.com` behind a reverse
     * proxy). When set, its origin is the server's own origin for the WebSocket check; otherwise
     * the own origins are `http://host:port`, plus `http://localhost:port`, `http://127.0.0.1:port`
     * and `http://[::1]:port` when `host` is a loopback or wildcard address.
     */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Browser origins allowed to open the WebSocket, besides the server's own (see `publicUrl`).
     * Requests with no Origin (non-browser clients) are always allowed. The `Host` header is never
     * trusted for this: a DNS-rebinding page controls it.
     */
    allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /**
     * Time a client has to send a whole request, headers included. Checked every second, so a
     * connection that trickles its headers is closed within this plus a second.
     */
    requestTimeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
    /**
     * A WebSocket that has not presented a valid token this long after opening is closed with
     * code 4401. One with a valid token stays open until the token expires (then code 4001).
     */
    socketAuthTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Subscriptions one WebSocket may hold at once; more are refused with TOO_MANY_REQUESTS. */
    maxSubscriptionsPerSocket: z.number().int().min(1).max(100_000).default(100),
    /**
     * WebSockets open at once from one client address; more are refused with HTTP 429. Behind a
     * reverse proxy, list it in `trustedProxies`, or every client counts as the proxy's address.
     */
    maxSocketsPerAddress: z.number().int().min(1).max(1_000_000).default(32),
    /**
     * Addresses (or CIDR ranges) of the reverse proxies in front of the server. X-Forwarded-For
     * is read only from these, and the client is its right-most entry that is not one of them.
     */
    trustedProxies: z
      .array(
        z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
          error: 'must be an IP address or a CIDR range such as 10.0.0.0/8',
        }),
      )
      .default([]),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .strict();

/**
 * Where state lives. Neither: the single node's embedded SQLite and files (in dataDir). Both:
 * cluster mode, every instance sharing one PostgreSQL and one Redis.
 */
export const storageSectionSchema = z
  .object({
    /** `postgres://...` (or `OGENT_DATABASE_URL`): records, audit, users, output, signing keys. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    /** `redis://...` (or `OGENT_REDIS_URL`): live output, cancels, leases, limits. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
  })
  .strict()
  .refine((s) => (s.databaseUrl === undefined) === (s.redisUrl === undefined), {
    message: 'cluster mode needs both databaseUrl and redisUrl (or neither, for the single node)',
  });

/** Text search of history: how much of each output is indexed. */
export const searchSectionSchema = z
  .object({
    /**
     * Bytes of each execution's output (from its start, both streams) indexed for search when it
     * ends; 0 turns output search off (commands are still searched). At most 256 KiB: PostgreSQL
     * holds a document's words and their positions in a tsvector of at most 1 MB: 256 KiB of
     * words all different make about 600 KB, 1 MiB of them is refused.
     */
    outputBytes: z
      .number({ message: 'must be a number of bytes (0 turns output search off)' })
      .int('must be a whole number of bytes')
      .min(0, 'must be 0 (off) or more')
      .max(256 * 1024, 'must be at most 262144 (256 KiB)')
      .default(DEFAULT_SEARCH_OUTPUT_BYTES),
  })
  .strict();

export const clusterSectionSchema = z
  .object({
    /** This instance's name in leases and /healthz; a random one by default. */
    instanceId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ -')
      .optional(),
    /**
     * How long an owner lease lasts without renewal. An instance that dies has its running
     * executions marked interrupted within about 2.25 times this.
     */
    leaseTtlMs: z.number().int().min(1_000).max(600_000).default(8_000),
  })
  .strict();

/** The whole configuration file. Keys may be added; the documented ones are a contract. */
export const configSchema = z
  .object({
    server: serverSectionSchema.default(serverSectionSchema.parse({})),
    auth: authConfigSchema.default(authConfigSchema.parse({})),
    users: z.array(userSchema).default([]),
    roles: z.record(z.string(), appRoleSchema),
    targets: z.array(targetSchema).min(1, 'define at least one target'),
    commands: z.record(commandNameSchema, commandRuleSchema),
    limits: limitsConfigSchema.default(limitsConfigSchema.parse({})),
    runs: runsConfigSchema.default(runsConfigSchema.parse({})),
    retention: retentionConfigSchema.default(retentionConfigSchema.parse({})),
    quotas: quotasConfigSchema.default({}),
    storage: storageSectionSchema.default({}),
    search: searchSectionSchema.default({ outputBytes: DEFAULT_SEARCH_OUTPUT_BYTES }),
    cluster: clusterSectionSchema.default(clusterSectionSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.targets.forEach((target, i) => {
      if (ids.has(target.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'id'],
          message: `duplicate target id "${target.id}"`,
        });
      }
      ids.add(target.id);
    });
    const names = new Set<string>();
    config.users.forEach((user, i) => {
      if (names.has(user.username)) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'username'],
          message: `duplicate user "${user.username}"`,
        });
      }
      names.add(user.username);
      user.roles.forEach((role, j) => {
        if (!Object.hasOwn(config.roles, role)) {
          ctx.addIssue({
            code: 'custom',
            path: ['users', i, 'roles', j],
            message: `unknown role "${role}" (not defined under roles)`,
          });
        }
      });
    });
    refineRoleCommands(config, ctx);
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
