import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SshTarget } from '../targets.js';
import {
  SSHD_PATH,
  createKeys,
  fixtureBase,
  isRoot,
  launchSshd,
  requireSshd,
  sshdConfig,
  stopSshds,
} from './sshd-process.js';

export { SSHD_PATH };
/** The non-root account tests log in as when they run as root, like a real server's user. */
export const TEST_USER = 'ogent-target';

export interface SshdOptions {
  /** Extra sshd_config lines (e.g. `MaxSessions 2`). Defaults are OpenSSH's own. */
  readonly extraConfig?: readonly string[];
  /** Reuse the host and client keys of this fixture directory (to restart "the same server"). */
  readonly keysFrom?: string;
  /** Listen on this port instead of a free one. */
  readonly port?: number;
}

/** A private OpenSSH server on 127.0.0.1, with its own config, host key and client key. */
export interface SshdFixture {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly username: string;
  readonly dir: string;
  readonly privateKeyPath: string;
  readonly hostKeyPath: string;
  readonly hostKeySha256: string;
  /** A target config pointing at this server. */
  target(overrides?: Partial<SshTarget>): SshTarget;
  /** Arguments for the OpenSSH client (`ssh`) to reach this server, for comparisons. */
  sshArgs(): string[];
  /** What sshd has logged so far (LogLevel VERBOSE), for diagnosing failures. */
  log(): string;
  /** Sends a signal to sshd and every per-connection sshd process it started. */
  signal(signal: NodeJS.Signals): void;
  /** Stops every sshd process of this fixture and removes its files. */
  stop(): Promise<void>;
}

/**
 * Makes sure the test account exists and can log in with a key: a locked account (`!` in
 * /etc/shadow, as useradd leaves it) is refused when UsePAM is off. Idempotent and safe against
 * test files doing it at the same time.
 */
export function ensureTestUser(): string {
  if (!isRoot) return os.userInfo().username;
  const exists = (): boolean => {
    try {
      execFileSync('id', ['-u', TEST_USER], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!exists()) {
    try {
      execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', TEST_USER], {
        stdio: 'pipe',
      });
    } catch (error) {
      if (!exists()) throw error;
    }
  }
  const shadow = execFileSync('getent', ['shadow', TEST_USER], { encoding: 'utf8' });
  if (shadow.split(':')[1]?.startsWith('!')) {
    execFileSync('usermod', ['-p', '*', TEST_USER], { stdio: 'pipe' });
  }
  return TEST_USER;
}

/** A free TCP port on 127.0.0.1 (closed again at once, for a server to bind). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * Starts `/usr/sbin/sshd -D` on a free 127.0.0.1 port with a generated host key, a generated
 * client key, and OpenSSH's defaults otherwise (MaxSessions 10). Logs in as a non-root user.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  requireSshd();
  const username = ensureTestUser();
  const dir = mkdtempSync(path.join(fixtureBase(), 'sshd-'));
  chmodSync(dir, 0o755);
  const keys = createKeys(dir, options.keysFrom);
  const { hostKeyPath, privateKeyPath, hostKeySha256 } = keys;

  const port = options.port ?? (await freePort());
  const configPath = path.join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    sshdConfig({
      port,
      addresses: ['127.0.0.1'],
      keys,
      username,
      pidFile: path.join(dir, 'sshd.pid'),
      logLevel: 'VERBOSE',
      extraConfig: options.extraConfig,
    }),
  );
  const sshd = await launchSshd({ configPath, port, addresses: ['127.0.0.1'] });

  return {
    host: '127.0.0.1',
    port,
    username,
    dir,
    privateKeyPath,
    hostKeyPath,
    hostKeySha256,
    target: (overrides = {}) => ({
      id: 'sshd-fixture',
      transport: 'ssh',
      host: '127.0.0.1',
      port,
      username,
      privateKeyPath,
      hostKeySha256,
      maxSessions: 10,
      maxConnections: 10,
      keepaliveIntervalMs: 5_000,
      keepaliveCountMax: 3,
      readyTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      ...overrides,
    }),
    sshArgs: () => [
      '-i',
      privateKeyPath,
      '-p',
      String(port),
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'LogLevel=ERROR',
      `${username}@127.0.0.1`,
    ],
    log: sshd.log,
    signal: sshd.signal,
    stop: async () => {
      await stopSshds([sshd]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
