import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fingerprintOfPublicKeyLine } from '../transports/ssh/host-key.js';

/*
 * What the sshd fixtures share: keys, the config file, and running `sshd -D` as a child whose
 * whole process tree can be signalled. One sshd (`startSshd`) or many (`startSshdFleet`).
 */

export const SSHD_PATH = '/usr/sbin/sshd';

export const isRoot = process.getuid?.() === 0;

/** Fails early with a hint when sshd is missing; creates the privilege separation directory. */
export function requireSshd(): void {
  if (!existsSync(SSHD_PATH)) {
    throw new Error(
      `${SSHD_PATH} is missing: install Debian's openssh-server (scripts/test.sh does).`,
    );
  }
  if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

/**
 * A place for fixture files that passes sshd's StrictModes: as root, a root-owned 0755 directory
 * (not /tmp, which is world-writable). Each path component must be traversable by the test user,
 * since sshd reads authorized_keys with that user's rights.
 */
export function fixtureBase(): string {
  if (!isRoot) return os.tmpdir();
  const base = '/run/ogent-test-sshd';
  mkdirSync(base, { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  return base;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], {
    stdio: 'ignore',
  });
}

/** The host key and client key of a fixture, and the authorized_keys file admitting the latter. */
export interface FixtureKeys {
  readonly hostKeyPath: string;
  readonly privateKeyPath: string;
  readonly authorizedKeysPath: string;
  readonly hostKeySha256: string;
  /** The host key's public line (`ssh-ed25519 AAAA... comment`), for known_hosts files. */
  readonly hostPublicKey: string;
}

/** Generates both key pairs in `dir`, or copies them from another fixture directory. */
export function createKeys(dir: string, keysFrom?: string): FixtureKeys {
  const hostKeyPath = path.join(dir, 'ssh_host_ed25519_key');
  const privateKeyPath = path.join(dir, 'id_ed25519');
  for (const [file, comment] of [
    [hostKeyPath, 'ogent-test-host'],
    [privateKeyPath, 'ogent-test-client'],
  ] as const) {
    if (keysFrom === undefined) {
      keygen(file, comment);
      continue;
    }
    for (const suffix of ['', '.pub']) {
      const source = path.join(keysFrom, path.basename(file) + suffix);
      writeFileSync(file + suffix, readFileSync(source), { mode: suffix === '' ? 0o600 : 0o644 });
    }
  }
  const authorizedKeysPath = path.join(dir, 'authorized_keys');
  writeFileSync(authorizedKeysPath, readFileSync(`${privateKeyPath}.pub`), { mode: 0o644 });
  const hostPublicKey = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim();
  return {
    hostKeyPath,
    privateKeyPath,
    authorizedKeysPath,
    hostKeySha256: fingerprintOfPublicKeyLine(hostPublicKey),
    hostPublicKey,
  };
}

/** An sshd_config: key-only logins of `username`, OpenSSH's defaults otherwise. */
export function sshdConfig(options: {
  readonly port: number;
  readonly addresses: readonly string[];
  readonly keys: FixtureKeys;
  readonly username: string;
  readonly pidFile: string;
  readonly logLevel: 'INFO' | 'VERBOSE';
  readonly extraConfig?: readonly string[] | undefined;
}): string {
  return [
    `Port ${options.port}`,
    ...options.addresses.map((address) => `ListenAddress ${address}`),
    `HostKey ${options.keys.hostKeyPath}`,
    `PidFile ${options.pidFile}`,
    `AuthorizedKeysFile ${options.keys.authorizedKeysPath}`,
    `AllowUsers ${options.username}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // Only when not root: the key then lives under world-writable /tmp.
    ...(isRoot ? [] : ['StrictModes no']),
    `LogLevel ${options.logLevel}`,
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}

/** The process table, as children by parent pid. One `ps` for a whole tree walk. */
export function processTree(): Map<number, { pid: number; comm: string }[]> {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid, comm] = line.trim().split(/\s+/);
    if (pid === undefined || ppid === undefined || comm === undefined) continue;
    const list = children.get(Number(ppid)) ?? [];
    list.push({ pid: Number(pid), comm });
    children.set(Number(ppid), list);
  }
  return children;
}

/**
 * The processes below `root`: with `sshdOnly`, the sshd ones (per-connection monitors and their
 * unprivileged children); otherwise everything, the sessions' shells and commands included.
 */
export function descendants(
  tree: ReadonlyMap<number, readonly { pid: number; comm: string }[]>,
  root: number,
  sshdOnly: boolean,
): number[] {
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const c of tree.get(pid) ?? []) {
      if (sshdOnly && c.comm !== 'sshd') continue;
      found.push(c.pid);
      walk(c.pid);
    }
  };
  walk(root);
  return found;
}

/** Sends `signal` to each pid, ignoring those already gone. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The socket inodes a process holds open (`/proc/PID/fd` links `socket:[INODE]`). */
export function socketInodes(pid: number): string[] {
  const inodes: string[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.push(match[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** A local IPv4 address and port as /proc/net/tcp writes them (`0101007F:1F90`). */
export function procNetAddress(address: string, port: number): string {
  const bytes = address.split('.').map((part) => Number(part));
  const hex = bytes
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  return `${hex}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** Rows of /proc/net/tcp: local address, TCP state (`01` established, `0A` listening), inode. */
export function tcpSockets(): { local: string; state: string; inode: string }[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      const inode = fields[9];
      return local === undefined || state === undefined || inode === undefined
        ? []
        : [{ local, state, inode }];
    });
}

/** sshd could not bind one of its addresses: the caller may retry on another port. */
export class SshdBindError extends Error {}

/** One `sshd -D -e` process, followed through its log. */
export interface SshdProcess {
  readonly pid: number;
  /** What sshd has logged so far (the last `logLimit` characters). */
  readonly log: () => string;
  /**
   * Makes sshd read its config again and listen on `addresses` (SIGHUP: it re-executes itself,
   * same pid; the connections it accepted live on in their own processes).
   */
  readonly reload: (addresses: readonly string[]) => Promise<void>;
  /** Sends a signal to sshd and every per-connection sshd process it started. */
  readonly signal: (signal: NodeJS.Signals) => void;
  /** The listener and its per-connection sshd processes now. */
  readonly processes: (tree?: ReturnType<typeof processTree>) => number[];
  readonly exited: Promise<void>;
}

/**
 * Starts `sshd -D -e -f configPath` in its own process group and resolves once it listens on
 * each of `addresses`. Rejects with `SshdBindError` when an address is taken.
 */
export async function launchSshd(options: {
  readonly configPath: string;
  readonly port: number;
  readonly addresses: readonly string[];
  readonly logLimit?: number;
}): Promise<SshdProcess> {
  const logLimit = options.logLimit ?? Number.POSITIVE_INFINITY;
  let logText = '';
  let partial = '';
  const listeningOn = new Set<string>();
  let bindFailure: string | undefined;
  const changed = new Set<() => void>();
  // detached: its own process group, so a signal to the group reaches its children too.
  const child: ChildProcess = spawn(SSHD_PATH, ['-D', '-e', '-f', options.configPath], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const onLine = (line: string): void => {
    const listen = /^Server listening on (\S+) port (\d+)\./.exec(line);
    if (listen?.[1] !== undefined) listeningOn.add(listen[1]);
    else if (line.startsWith('Received SIGHUP; restarting')) {
      listeningOn.clear();
      bindFailure = undefined;
    } else if (/Bind to port \d+ on \S+ failed: Address already in use/.test(line)) {
      bindFailure = line;
    } else return;
    for (const wake of changed) wake();
  };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    logText += text;
    if (logText.length > logLimit) logText = logText.slice(logText.length - logLimit);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('exit', () => {
    for (const wake of changed) wake();
  });
  const pid = child.pid ?? 0;
  const processes = (tree = processTree()): number[] => [
    ...(running(pid) ? [pid] : []),
    ...descendants(tree, pid, true),
  ];
  const signal = (name: NodeJS.Signals): void => {
    // Each connection's sshd calls setsid(), so the process group is not enough: walk the tree.
    if (child.pid !== undefined) signalAll(processes(), name);
  };
  /** Resolves once sshd listens on every one of `addresses`. */
  const listening = async (addresses: readonly string[]): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (addresses.every((a) => listeningOn.has(a))) return;
      if (bindFailure !== undefined) throw new SshdBindError(`${bindFailure}\n${logText}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `sshd exited during start-up (${child.exitCode ?? child.signalCode}):\n${logText}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `sshd did not start listening on ${addresses.join(', ')} port ${options.port}:\n${logText}`,
        );
      }
      let wake = (): void => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      changed.add(wake);
      await Promise.race([woken, sleep(Math.min(left, 200))]);
      changed.delete(wake);
    }
  };
  const reload = async (addresses: readonly string[]): Promise<void> => {
    // Forgotten now, not when sshd says it restarts: what it listened on before does not count.
    listeningOn.clear();
    bindFailure = undefined;
    process.kill(pid, 'SIGHUP');
    await listening(addresses);
  };
  const started: SshdProcess = {
    pid,
    log: () => logText,
    reload,
    signal,
    processes,
    exited,
  };
  try {
    await listening(options.addresses);
  } catch (error) {
    signal('SIGKILL');
    throw error;
  }
  return started;
}

/**
 * Stops sshd processes and every per-connection sshd process below them: SIGTERM, up to 3 s for
 * the listeners to exit, then SIGKILL for whatever is left.
 */
export async function stopSshds(sshds: readonly SshdProcess[]): Promise<void> {
  // Listed first: once a listener is gone, its orphaned children are no longer below it.
  const tree = processTree();
  const pids = sshds.flatMap((s) => s.processes(tree));
  signalAll(pids, 'SIGTERM');
  const exited = Promise.all(sshds.map((s) => s.exited));
  // Unreferenced: a pending timer must not keep a finished test process alive.
  await Promise.race([exited, sleep(3_000, undefined, { ref: false })]);
  // Per-connection processes may outlive the listener for a moment.
  const again = processTree();
  const all = [...pids, ...sshds.flatMap((s) => s.processes(again))];
  signalAll(all, 'SIGKILL');
  await exited;
  await gone(all);
}

/** Whether a process still runs: it exists and is not a zombie waiting to be reaped. */
export function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (up to 5 s) until none of these processes runs: a killed process takes a moment. */
export async function gone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (pids.some(running) && Date.now() < deadline) await sleep(10);
}
