import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defined } from '@ogent/executor';
import { type SshdFixture, startSshd } from '@ogent/executor/testing';
import { stringify } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_MAIN = path.join(ROOT, 'apps/server/dist/main.js');
export const BENCH_USER = { username: 'bench', password: 'bench-password-1' };

export interface BenchStack {
  readonly sshd: SshdFixture;
  readonly url: string;
  readonly serverPid: number;
  /** The server's data directory (where it keeps output). */
  readonly dataDir: string;
  /** A text file on the target of about `bigFileBytes`, log-like lines. */
  readonly bigFile: string;
  readonly bigFileBytes: number;
  /** Resident memory of the server process now, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/** About 100-byte log-like lines, repeated to `bytes` (exactly), written on the target. */
export function writeLogFile(file: string, bytes: number): void {
  const lines: string[] = [];
  for (let i = 0; i < 4096; i += 1) {
    const line = `2026-11-21T08:${String(i % 60).padStart(2, '0')}:00.000Z INFO request id=${(i * 7919).toString(16).padStart(8, '0')} path=/api/items/${i} status=200 ms=${i % 97}\n`;
    lines.push(line);
  }
  const block = Buffer.from(lines.join(''));
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, bytes - at));
  writeFileSync(file, out, { mode: 0o644 });
}

export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return Number(match?.[1] ?? 0) * 1024;
}

/** The bench configuration: the bench users and commands on the target `web-1`. */
export function benchConfig(
  sshd: SshdFixture,
  dataDir: string,
  extraUsers = 0,
): Record<string, unknown> {
  return {
    // Every bench client comes from 127.0.0.1, and the memory section holds 1,000 sockets.
    server: { host: '127.0.0.1', port: 0, dataDir, logLevel: 'warn', maxSocketsPerAddress: 2_000 },
    users: [
      { ...BENCH_USER, roles: ['bench'] },
      ...Array.from({ length: extraUsers }, (_, i) => ({
        username: `load${i + 1}`,
        password: BENCH_USER.password,
        roles: ['bench'],
      })),
    ],
    roles: { bench: { commands: ['*'], targets: ['*'], viewAll: true } },
    targets: [sshd.target({ id: 'web-1', maxConnections: 10 })],
    commands: {
      true: { path: '/bin/true' },
      echo: { path: '/bin/echo', args: { max: 8 }, endOfOptions: false },
      cat: { path: '/bin/cat', args: { min: 1, max: 1, pathPrefix: sshd.dir }, endOfOptions: true },
      seq: {
        path: '/usr/bin/seq',
        args: { min: 1, max: 3, integer: { min: 0, max: 1_000_000_000 } },
      },
      sleep: { path: '/bin/sleep', args: { min: 1, max: 1, integer: { min: 0, max: 3600 } } },
    },
    limits: {
      maxConcurrentPerUser: 10_000,
      timeoutMs: 30 * 60_000,
      maxOutputBytes: 4 * 1024 ** 3,
      maxInputLength: 4096,
    },
  };
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * The built server (apps/server/dist) as its own process, with the environment `npm start` and
 * the Dockerfile give it; resolves once it listens.
 */
export async function spawnServer(
  configFile: string,
  options: { nodeOptions?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  const dataDir = path.dirname(configFile);
  const log = createWriteStream(path.join(dataDir, `server-${path.basename(configFile)}.log`));
  const server: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), SERVER_MAIN, '--config', configFile],
    {
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        MALLOC_ARENA_MAX: '2',
        MALLOC_MMAP_THRESHOLD_: '65536',
        MALLOC_TRIM_THRESHOLD_: '131072',
        ...options.env,
      },
    },
  );
  server.stderr?.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stdout?.setEncoding('utf8');
    server.stdout?.on('data', (text: string) => {
      seen += text;
      const match = /Ogent is running at (http:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${seen}`)));
  });
  server.stdout?.pipe(log);
  return {
    url,
    pid: server.pid ?? 0,
    stop: async () => {
      server.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => server.once('exit', resolve)), sleep(10_000)]);
      server.kill('SIGKILL');
    },
  };
}

/**
 * The product as people run it: the built server (apps/server/dist) as its own process, with a
 * config pointing at a private sshd on 127.0.0.1 (OpenSSH defaults: MaxSessions 10). The target
 * user is a normal account created with `useradd --create-home`: bash with Debian's default
 * ~/.bashrc, which returns early for non-interactive shells.
 */
export async function startBenchStack(options: {
  bigFileBytes: number;
  nodeOptions?: readonly string[];
  /** More accounts, load1..loadN, with the bench password and the same role. */
  extraUsers?: number;
  /** Extra environment for the server process. */
  env?: NodeJS.ProcessEnv;
}): Promise<BenchStack> {
  const sshd = await startSshd();
  const bigFile = path.join(sshd.dir, 'big.log');
  writeLogFile(bigFile, options.bigFileBytes);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-bench-'));
  const configFile = path.join(dataDir, 'bench.yaml');
  writeFileSync(configFile, stringify(benchConfig(sshd, dataDir, options.extraUsers)));
  const server = await spawnServer(
    configFile,
    defined({ nodeOptions: options.nodeOptions, env: options.env }),
  );
  const pid = server.pid;

  return {
    sshd,
    url: server.url,
    serverPid: pid,
    dataDir,
    bigFile,
    bigFileBytes: options.bigFileBytes,
    rss: () => readRss(pid),
    stop: async () => {
      await server.stop();
      await sshd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
