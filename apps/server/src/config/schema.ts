import { appRoleSchema, authConfigSchema, limitsConfigSchema, userSchema } from '@ogent/api';
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
     * Browser origins allowed to open the WebSocket, besides the server's own. Requests with no
     * Origin (non-browser clients) are always allowed.
     */
    allowedOrigins: z.array(z.url()).default([]),
    /** Trust X-Forwarded-For for the client address (behind a reverse proxy). */
    trustProxy: z.boolean().default(false),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
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
