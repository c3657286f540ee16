import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { auditEntry, hashPassword, verifyAuditStore } from '@ogent/api';
import { fingerprintOfPublicKeyLine, isExecutorError } from '@ogent/executor';
import { startServer } from './app.js';
import { auditStoreFor, signingKeyStoreFor } from './compose/cli-stores.js';
import { DEFAULT_CONFIG } from './config/defaults.js';
import { ConfigError, loadConfigFile, parseConfig } from './config/load.js';
import type { Config } from './config/schema.js';

const USAGE = `Usage:
  ogent-server [--config FILE]     run the server (default: the embedded config)
  ogent-server hash-password       read a password on stdin, print its hash for passwordHash
  ogent-server fingerprint FILE    print the SHA256 fingerprint of a public key file (.pub)
  ogent-server audit-verify [--config FILE]
                                   check the audit trail's hash chain: exit 0 when it is whole,
                                   1 naming the first broken link
  ogent-server rotate-signing-key [--config FILE]
                                   make a new token signing key current; tokens signed with the
                                   previous one stay valid until they expire (running servers
                                   take the new key up within a minute)

Environment:
  OGENT_CONFIG            config file (same as --config)
  OGENT_DATABASE_URL      cluster mode: PostgreSQL (with OGENT_REDIS_URL)
  OGENT_REDIS_URL         cluster mode: Redis (with OGENT_DATABASE_URL)
  PORT                    listen on this port instead of the config's
  HOST                    listen on this address instead of the config's (0.0.0.0 in a VM
                          or container, to be reached from outside it)
  OGENT_ADMIN_PASSWORD    the admin password, with the embedded config
`;

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `PORT` and `HOST` from the environment, over the configuration's `server.port` and `host`. */
function withListenOverrides(config: Config): Config {
  const { PORT: port, HOST: host } = process.env;
  let server = config.server;
  if (port !== undefined && port !== '') {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
      throw new ConfigError(`PORT must be a port number, not "${port}".`);
    server = { ...server, port: Number(port) };
  }
  if (host !== undefined && host !== '') {
    if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host))
      throw new ConfigError(
        `HOST must be an address to listen on (0.0.0.0, ::, 127.0.0.1), not "${host}".`,
      );
    server = { ...server, host };
  }
  return server === config.server ? config : { ...config, server };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals[0] === 'hash-password') {
    const password = await readStdin();
    if (password.length < 8) throw new ConfigError('The password must be at least 8 characters.');
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  if (positionals[0] === 'fingerprint' && positionals[1] !== undefined) {
    process.stdout.write(`${fingerprintOfPublicKeyLine(readFileSync(positionals[1], 'utf8'))}\n`);
    return;
  }
  const rotate = positionals.length === 1 && positionals[0] === 'rotate-signing-key';
  const verify = positionals.length === 1 && positionals[0] === 'audit-verify';
  if (positionals.length > 0 && !rotate && !verify)
    throw new ConfigError(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);

  const given = values.config ?? process.env.OGENT_CONFIG;
  // `npm start -- --config FILE` runs the server from apps/server: a relative FILE means the
  // directory npm was started in (INIT_CWD), as the person typing it meant.
  const file =
    given === undefined || given === ''
      ? given
      : path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
  const config = withListenOverrides(
    file === undefined || file === ''
      ? parseConfig(DEFAULT_CONFIG, {
          source: 'the embedded default config',
          baseDir: process.cwd(),
        })
      : loadConfigFile(file),
  );
  if (verify) {
    const audit = await auditStoreFor(config);
    try {
      const check = await verifyAuditStore(audit.store);
      if (check.intact) {
        process.stdout.write(
          `The audit trail is whole: ${check.events} events, the last #${check.lastId} (sha256 ${check.lastHash}).\n`,
        );
        return;
      }
      process.stdout.write(`The audit trail is broken at event #${check.id}: ${check.problem}.\n`);
      process.exitCode = 1;
    } finally {
      await audit.close();
    }
    return;
  }
  if (rotate) {
    const keys = await signingKeyStoreFor(config);
    const audit = await auditStoreFor(config);
    try {
      const [current] = await keys.store.rotate();
      await audit.store.append([
        auditEntry({
          type: 'signing_key.rotate',
          at: Date.now(),
          actor: os.userInfo().username,
          address: null,
          subject: current?.publicJwk.kid ?? null,
          data: { by: 'ogent-server rotate-signing-key' },
        }),
      ]);
      process.stdout.write(`New signing key ${current?.publicJwk.kid ?? ''} is current.\n`);
    } finally {
      await Promise.all([keys.close(), audit.close()]);
    }
    return;
  }
  const server = await startServer({ config, bootstrapAdmin: file === undefined || file === '' });
  process.stdout.write(`Ogent is running at ${server.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'signal received');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  // A target the config describes but this host cannot serve (no such account, root refused).
  if (error instanceof ConfigError || (isExecutorError(error) && error.code === 'invalid_config')) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
