import { readFileSync } from 'node:fs';
import path from 'node:path';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import { type Config, configSchema } from './schema.js';

/** A configuration problem, with a message that names the file, the key and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `users[0].password` from ['users', 0, 'password']. */
export function keyPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatZodError(error: ZodError, source: string): string {
  const lines = error.issues.map((issue) => `  - ${keyPath(issue.path)}: ${issue.message}`);
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]{0,127})\}/g;

/**
 * Replaces `${NAME}` in every string with the environment variable's value. A missing variable
 * is an error naming the key that refers to it, not an empty string.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  at: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (_, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) {
        throw new ConfigError(`${keyPath(at)}: environment variable ${name} is not set`);
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, [...at, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, [...at, key])]),
    );
  }
  return value;
}

/** Makes paths in the config relative to the config file's directory absolute. */
function resolvePaths(config: Config, baseDir: string): Config {
  const resolve = (p: string): string => path.resolve(baseDir, p);
  return {
    ...config,
    server: {
      ...config.server,
      dataDir: resolve(config.server.dataDir),
      ...(config.server.webRoot === undefined ? {} : { webRoot: resolve(config.server.webRoot) }),
    },
    targets: config.targets.map((t) =>
      t.transport === 'ssh' && t.privateKeyPath !== undefined
        ? { ...t, privateKeyPath: resolve(t.privateKeyPath) }
        : t,
    ),
  };
}

/** Validates a config object (already parsed, `${ENV}` not yet substituted). */
/**
 * `OGENT_DATABASE_URL` and `OGENT_REDIS_URL` override `storage.databaseUrl` and
 * `storage.redisUrl`: the contract deployments and outside checks use to start cluster mode.
 */
function withStorageFromEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const databaseUrl = env.OGENT_DATABASE_URL;
  const redisUrl = env.OGENT_REDIS_URL;
  if ((databaseUrl ?? '') === '' && (redisUrl ?? '') === '') return raw;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const storage =
    typeof config.storage === 'object' && config.storage !== null ? config.storage : {};
  return {
    ...config,
    storage: {
      ...storage,
      ...(databaseUrl === undefined || databaseUrl === '' ? {} : { databaseUrl }),
      ...(redisUrl === undefined || redisUrl === '' ? {} : { redisUrl }),
    },
  };
}

export function parseConfig(
  raw: unknown,
  options: { source: string; baseDir: string; env?: NodeJS.ProcessEnv },
): Config {
  const env = options.env ?? process.env;
  const substituted = withStorageFromEnv(substituteEnv(raw ?? {}, env), env);
  const result = configSchema.safeParse(substituted);
  if (!result.success) throw new ConfigError(formatZodError(result.error, options.source));
  return resolvePaths(result.data, options.baseDir);
}

/** Reads, substitutes and validates a YAML config file. Throws ConfigError. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Cannot read the configuration file ${file}: ${(error as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw new ConfigError(`${file} is not valid YAML: ${error.message}`);
    }
    throw error;
  }
  try {
    return parseConfig(raw, { source: file, baseDir: path.dirname(path.resolve(file)), env });
  } catch (error) {
    if (error instanceof ConfigError && !error.message.startsWith('Invalid configuration')) {
      throw new ConfigError(`Invalid configuration in ${file}:\n  - ${error.message}`);
    }
    throw error;
  }
}
