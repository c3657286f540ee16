import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@ogent/executor/testing';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

/** Waits until something accepts connections on 127.0.0.1:port. */
async function listening(port: number, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
}

export interface PostgresFixture {
  readonly url: string;
  readonly port: number;
  /** Stops the server (its data kept): connections fail until {@link resume}. */
  pause(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL 15 in a new directory on a free port, with `fsync=off` (a test's data
 * need not survive a power cut). initdb refuses root, so as root it runs as `postgres`.
 */
export async function startPostgres(): Promise<PostgresFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-pg-'));
  const asPostgres = (command: string, args: string[]): string[] =>
    isRoot ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
  if (isRoot) {
    const { uid, gid } = postgresAccount();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const run = (command: string, args: string[]): void => {
    const [file = command, ...rest] = asPostgres(command, args);
    execFileSync(file, rest, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
  };
  run(`${PG_BIN}/initdb`, ['-D', dir, '-A', 'trust', '-U', 'ogent', '--no-sync']);
  const port = await freePort();
  const start = (): void =>
    run(`${PG_BIN}/pg_ctl`, [
      '-D',
      dir,
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      '-w',
      'start',
    ]);
  start();
  return {
    url: `postgres://ogent@127.0.0.1:${port}/postgres`,
    port,
    pause: () => run(`${PG_BIN}/pg_ctl`, ['-D', dir, '-m', 'fast', '-w', 'stop']),
    resume: start,
    stop: () => {
      try {
        run(`${PG_BIN}/pg_ctl`, ['-D', dir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
}

function postgresAccount(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface RedisFixture {
  readonly url: string;
  readonly port: number;
  /** Stops redis-server (all data gone: no persistence) and starts a new one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A private redis-server on a free port, without persistence. */
export async function startRedis(): Promise<RedisFixture> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await listening(port, 10_000, 'redis-server');
  };
  const kill = async (): Promise<void> => {
    const current = child;
    if (current === undefined || current.exitCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: kill,
  };
}

export interface NginxFixture {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in front of the given upstreams, with its own prefix directory and the
 * deployment's site config (deploy/nginx/ogent.conf) included, on a free port.
 */
export async function startNginx(options: {
  upstreams: readonly string[];
  siteConfig: string;
  webRoot: string;
}): Promise<NginxFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      ...(isRoot ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `  access_log off;`,
      `  client_body_temp_path ${dir}/client_body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      '  include /etc/nginx/mime.types;',
      '  map $http_upgrade $connection_upgrade { default upgrade; "" close; }',
      `  upstream ogent { ${options.upstreams.map((u) => `server ${u} max_fails=1 fail_timeout=2s;`).join(' ')} }`,
      `  server {`,
      `    listen 127.0.0.1:${port};`,
      `    root ${options.webRoot};`,
      `    include ${options.siteConfig};`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  await listening(port, 10_000, 'nginx');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
