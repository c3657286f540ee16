import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SshdFixture, startSshd } from '@ogent/executor/testing';
import { TEST_USERS, type TestStack, startTestStack } from '@ogent/server/testing';

/** The built command, as `npx ogent` runs it. */
export const OGENT_BIN = fileURLToPath(new URL('../bin/ogent.js', import.meta.url));

/** Scripts the tests' commands run on the target, each doing one thing a test needs. */
const SCRIPTS = {
  'exit.sh': '#!/bin/sh\nexit "$1"\n',
  // Killed by a signal it sends itself: not one the server sent, so the run "completed".
  'die.sh': '#!/bin/sh\nkill -"$1" $$\nsleep 5\n',
  // Bytes that are not UTF-8, a NUL, and a character split across two writes, on both streams.
  'mixed.sh': `#!/bin/sh
printf 'plain\\n'
printf '\\377\\376\\000bin\\n' >&2
printf 'caf\\303'
printf '\\251\\n'
printf 'err 2\\n' >&2
`,
} as const;

export const MIXED_STDOUT = Buffer.from('plain\ncaf\u00e9\n', 'utf8');
export const MIXED_STDERR = Buffer.concat([
  Buffer.from([0xff, 0xfe, 0x00]),
  Buffer.from('bin\nerr 2\n'),
]);

/** A fingerprint no host key has. */
const WRONG_FINGERPRINT = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;

export interface CliStack {
  readonly stack: TestStack;
  readonly sshd: SshdFixture;
  readonly url: string;
  /** A directory the target user can read: files for `cat` go here. */
  readonly fixtureDir: string;
  stop(): Promise<void>;
}

/**
 * The real server with a real sshd as targets `web-1` and `web-2` (label role=web), and
 * `bad-key` (role=broken): the same sshd pinned to a host key it does not have. Extra commands:
 * `exitwith N`, `die SIGNAL`, `mixed`.
 */
export async function startCliStack(): Promise<CliStack> {
  const scripts = mkdtempSync(path.join(os.tmpdir(), 'ogent-cli-scripts-'));
  chmodSync(scripts, 0o755);
  for (const [name, text] of Object.entries(SCRIPTS)) {
    writeFileSync(path.join(scripts, name), text, { mode: 0o755 });
  }
  const sshd = await startSshd();
  try {
    const stack = await startTestStack({
      sshd: false,
      config: {
        targets: [
          { id: 'local', transport: 'local', label: 'Local' },
          sshd.target({ id: 'web-1', label: 'Web 1', labels: { role: 'web' } }),
          sshd.target({ id: 'web-2', labels: { role: 'web' } }),
          sshd.target({
            id: 'bad-key',
            hostKeySha256: WRONG_FINGERPRINT,
            labels: { role: 'broken' },
          }),
        ],
        commands: {
          exitwith: {
            path: path.join(scripts, 'exit.sh'),
            args: { min: 1, max: 1, integer: { min: 0, max: 255 } },
            endOfOptions: false,
          },
          die: {
            path: path.join(scripts, 'die.sh'),
            args: { min: 1, max: 1, integer: { min: 1, max: 31 } },
            endOfOptions: false,
          },
          mixed: { path: path.join(scripts, 'mixed.sh'), endOfOptions: false },
        },
      },
    });
    return {
      stack,
      sshd,
      url: stack.url,
      fixtureDir: stack.fixtureDir,
      stop: async () => {
        await stack.stop();
        await sshd.stop();
        rmSync(scripts, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sshd.stop();
    rmSync(scripts, { recursive: true, force: true });
    throw error;
  }
}

/** A token for a test user, through the HTTP contract. */
export async function tokenFor(url: string, user: keyof typeof TEST_USERS): Promise<string> {
  const { username, password } = TEST_USERS[user];
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** A home of its own for each test run, so that no saved login leaks in or out. */
export function freshHome(): { home: string; env: NodeJS.ProcessEnv; remove(): void } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ogent-cli-home-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OGENT_') && key !== 'XDG_CONFIG_HOME') env[key] = value;
  }
  env.HOME = home;
  return { home, env, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export interface Finished {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

const running = new Set<ChildProcess>();

/** Kills every `ogent` a test started and that is still running (after a failed assertion). */
export function killOgents(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts the built `ogent` with these arguments and environment. */
export function spawnOgent(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { stdin?: string; onStdout?: (chunk: Buffer) => void } = {},
): ChildProcess & { finished: Promise<Finished> } {
  const child = spawn(process.execPath, [OGENT_BIN, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', options.onStdout ?? ((chunk: Buffer) => stdout.push(chunk)));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  running.add(child);
  child.once('close', () => running.delete(child));
  child.stdin.end(options.stdin ?? '');
  const finished = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) =>
      resolve({ status, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }),
    );
  });
  return Object.assign(child, { finished });
}

/** Runs the built `ogent` to its end. */
export function ogent(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { stdin?: string } = {},
): Promise<Finished> {
  return spawnOgent(args, env, options).finished;
}
