import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SshTarget } from '../targets.js';
import { fingerprintOfPublicKeyLine } from '../transports/ssh/host-key.js';

export const SSHD_PATH = '/usr/sbin/sshd';
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

const isRoot = process.getuid?.() === 0;

/**
 * A place for fixture files that passes sshd's StrictModes: as root, a root-owned 0755 directory
 * (not /tmp, which is world-writable). Each path component must be traversable by the test user,
 * since sshd reads authorized_keys with that user's rights.
 */
function fixtureBase(): string {
  if (!isRoot) return os.tmpdir();
  const base = '/run/ogent-test-sshd';
  mkdirSync(base, { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  return base;
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

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `sshd exited during start-up (${child.exitCode ?? child.signalCode}):\n${log()}`,
      );
    }
    if (/Server listening on 127\.0\.0\.1/.test(log())) return;
    await sleep(20);
  }
  throw new Error(`sshd did not start listening on port ${port}:\n${log()}`);
}

/** The sshd processes below `root` (per-connection monitors and their unprivileged children). */
function sshdDescendants(root: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid, comm] = line.trim().split(/\s+/);
    if (pid === undefined || ppid === undefined || comm === undefined) continue;
    const list = children.get(Number(ppid)) ?? [];
    list.push({ pid: Number(pid), comm });
    children.set(Number(ppid), list);
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      if (c.comm !== 'sshd') continue;
      found.push(c.pid);
      walk(c.pid);
    }
  };
  walk(root);
  return found;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: 'ignore',
  });
}

/**
 * Starts `/usr/sbin/sshd -D` on a free 127.0.0.1 port with a generated host key, a generated
 * client key, and OpenSSH's defaults otherwise (MaxSessions 10). Logs in as a non-root user.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  if (!existsSync(SSHD_PATH)) {
    throw new Error(
      `${SSHD_PATH} is missing: install Debian's openssh-server (scripts/test.sh does).`,
    );
  }
  const username = ensureTestUser();
  // The privilege separation directory sshd insists on.
  if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(path.join(fixtureBase(), 'sshd-'));
  chmodSync(dir, 0o755);
  const hostKeyPath = path.join(dir, 'ssh_host_ed25519_key');
  const privateKeyPath = path.join(dir, 'id_ed25519');
  for (const [file, comment] of [
    [hostKeyPath, 'ogent-test-host'],
    [privateKeyPath, 'ogent-test-client'],
  ] as const) {
    if (options.keysFrom === undefined) {
      keygen(file, comment);
      continue;
    }
    for (const suffix of ['', '.pub']) {
      const source = path.join(options.keysFrom, path.basename(file) + suffix);
      writeFileSync(file + suffix, readFileSync(source), { mode: suffix === '' ? 0o600 : 0o644 });
    }
  }
  const authorizedKeys = path.join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(`${privateKeyPath}.pub`), { mode: 0o644 });

  const port = options.port ?? (await freePort());
  const configPath = path.join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${username}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // Only when not root: the key then lives under world-writable /tmp.
      ...(isRoot ? [] : ['StrictModes no']),
      'LogLevel VERBOSE',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let logText = '';
  // detached: its own process group, so stop() reaches the per-connection sshd processes too.
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    logText += text;
  });
  const log = (): string => logText;
  const signal = (name: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    // Each connection's sshd calls setsid(), so the process group is not enough: walk the tree.
    for (const pid of [child.pid, ...sshdDescendants(child.pid)]) {
      try {
        process.kill(pid, name);
      } catch {
        // Already gone.
      }
    }
  };
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    signal('SIGKILL');
    throw error;
  }

  const hostKeySha256 = fingerprintOfPublicKeyLine(readFileSync(`${hostKeyPath}.pub`, 'utf8'));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

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
    log,
    signal,
    stop: async () => {
      signal('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
      if (!killed) signal('SIGKILL');
      // Per-connection processes may outlive the listener for a moment.
      signal('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
