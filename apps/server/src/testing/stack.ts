import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '@ogent/executor';
import { type SshdFixture, startSshd } from '@ogent/executor/testing';
import { type OgentServer, startServer } from '../app.js';
import { parseConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import { createLogger } from '../logger.js';

/** Accounts of the test configuration: `admin` sees everything, the others their own. */
export const TEST_USERS = {
  admin: { username: 'admin', password: 'admin-password-1', roles: ['admin'] },
  alice: { username: 'alice', password: 'alice-password-1', roles: ['operator'] },
  bob: { username: 'bob', password: 'bob-password-12', roles: ['operator'] },
  viewer: { username: 'viewer', password: 'viewer-password', roles: ['viewer'] },
} as const;

/**
 * `emit LINES [DELAY_TENTHS]`: numbered lines on stdout, every tenth also on stderr, optionally
 * pausing between lines. Lets tests check ordering and completeness across a reconnect.
 */
export const EMIT_SCRIPT = `#!/bin/sh
n=$1; d=\${2:-0}; i=1
while [ "$i" -le "$n" ]; do
  echo "out $i"
  if [ $((i % 10)) -eq 0 ]; then echo "err $i" >&2; fi
  if [ "$d" -gt 0 ]; then sleep "0.$d"; fi
  i=$((i + 1))
done
`;

export interface TestStackOptions {
  /** Start a private sshd and add it as target `web-1` (default true). */
  readonly sshd?: boolean;
  /** Deep-merged into the test configuration's top-level sections. */
  readonly config?: Partial<ConfigInput>;
  /** Reuse this data directory (to test a restart). */
  readonly dataDir?: string;
  /** Log to stdout (default: silent). */
  readonly logLevel?: string;
  /**
   * The server's clock (token and session expiry, timers): a `ManualClock` lets a test move time
   * instead of sleeping. It also paces output batching, so a test that runs commands on a manual
   * clock must advance it for their output to be stored.
   */
  readonly clock?: Clock;
}

export interface TestStack {
  readonly server: OgentServer;
  readonly url: string;
  readonly sshd: SshdFixture | undefined;
  readonly dataDir: string;
  /** Directory on the target holding the emit script (readable by the target user). */
  readonly fixtureDir: string;
  /** Stops the server (keeping data and sshd) and starts it again on the same data. */
  restart(): Promise<TestStack>;
  /** Stops the server and sshd and removes the data directory. */
  stop(): Promise<void>;
}

/** The configuration the tests run with, pointing at the given sshd and fixture directory. */
export function testConfig(
  sshd: SshdFixture | undefined,
  fixtureDir: string,
  dataDir: string,
): ConfigInput {
  return {
    server: { host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' },
    auth: { tokenTtl: '1h', maxLoginFailures: 5, loginWindow: '15m' },
    users: Object.values(TEST_USERS).map((u) => ({
      username: u.username,
      password: u.password,
      roles: [...u.roles],
    })),
    roles: {
      admin: {
        commands: ['*'],
        targets: ['*'],
        viewAll: true,
        cancelAll: true,
        audit: true,
        manageUsers: true,
      },
      operator: { commands: ['*'], targets: ['*'] },
      viewer: { commands: ['echo', 'ls'], targets: ['local'] },
    },
    targets: [
      { id: 'local', transport: 'local', label: 'Local' },
      ...(sshd === undefined ? [] : [sshd.target({ id: 'web-1', label: 'Web 1' })]),
    ],
    commands: {
      // /bin/echo prints a `--` instead of taking it.
      echo: { path: '/bin/echo', args: { max: 32 }, endOfOptions: false },
      ls: {
        path: '/bin/ls',
        options: ['-l', '-a', '-la'],
        args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
        endOfOptions: true,
      },
      sleep: {
        path: '/bin/sleep',
        args: { min: 1, max: 1, integer: { min: 0, max: 100_000_000 } },
      },
      seq: {
        path: '/usr/bin/seq',
        args: { min: 1, max: 3, integer: { min: 0, max: 1_000_000_000 } },
      },
      head: {
        path: '/usr/bin/head',
        options: [{ name: '-c', value: { integer: { min: 0, max: 2 ** 32 } } }],
        args: { min: 1, max: 1, enum: ['/dev/zero', '/dev/urandom'] },
        endOfOptions: true,
      },
      emit: {
        path: path.join(fixtureDir, 'emit.sh'),
        args: { min: 1, max: 2, integer: { min: 0, max: 10_000_000 } },
        // A shell script sees `--` as its first argument.
        endOfOptions: false,
      },
      cat: {
        path: '/bin/cat',
        args: { min: 1, max: 4, pathPrefix: fixtureDir },
        endOfOptions: true,
      },
      true: { path: '/bin/true' },
    },
  };
}

function merge(base: ConfigInput, extra: Partial<ConfigInput> | undefined): ConfigInput {
  if (extra === undefined) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? { ...current, ...value }
        : value;
  }
  return out as ConfigInput;
}

/** Starts sshd (a real OpenSSH server on 127.0.0.1) and the real server on port 0. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const sshd = options.sshd === false ? undefined : await startSshd();
  const fixtureDir = sshd?.dir ?? mkdtempSync(path.join(os.tmpdir(), 'ogent-fixture-'));
  chmodSync(fixtureDir, 0o755);
  writeFileSync(path.join(fixtureDir, 'emit.sh'), EMIT_SCRIPT, { mode: 0o755 });
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'ogent-data-'));
  return launch(options, sshd, fixtureDir, dataDir);
}

async function launch(
  options: TestStackOptions,
  sshd: SshdFixture | undefined,
  fixtureDir: string,
  dataDir: string,
): Promise<TestStack> {
  const config = parseConfig(merge(testConfig(sshd, fixtureDir, dataDir), options.config), {
    source: 'the test configuration',
    baseDir: dataDir,
  });
  const server = await startServer({
    config,
    logger: createLogger(options.logLevel ?? 'silent'),
    clock: options.clock,
  });
  return {
    server,
    url: server.url,
    sshd,
    dataDir,
    fixtureDir,
    restart: async () => {
      await server.close();
      return launch(options, sshd, fixtureDir, dataDir);
    },
    stop: async () => {
      await server.close();
      await sshd?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (sshd === undefined) rmSync(fixtureDir, { recursive: true, force: true });
    },
  };
}
