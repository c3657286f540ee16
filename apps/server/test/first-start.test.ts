import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@ogent/executor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type TestStack, startTestStack, testConfig } from '../src/testing/index.js';
import { launchServer, signedIn, watch } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let configFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-first-'));
  configFile = path.join(dir, 'config.yaml');
  const config = testConfig(undefined, dir, path.join(dir, 'data'));
  writeFileSync(configFile, stringify({ ...config, server: { ...config.server, port: 0 } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('where it listens', () => {
  it('PORT and HOST from the environment choose the port and the address', async () => {
    const port = await freePort();
    // Any loopback address will do to tell the override from the config's 127.0.0.1.
    const launched = await launchServer(configFile, { PORT: String(port), HOST: '127.0.0.2' });
    try {
      expect(launched.url).toBe(`http://127.0.0.2:${port}`);
      expect((await fetch(`${launched.url}/healthz`)).status).toBe(200);
    } finally {
      launched.process.kill('SIGTERM');
    }
  });

  it('a HOST that is not an address is a clear error', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/main.ts'), '--config', configFile],
      { cwd: root, encoding: 'utf8', env: { ...process.env, HOST: 'http://0.0.0.0' } },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('HOST must be an address to listen on');
  });
});

describe('the local target', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      sshd: false,
      config: {
        commands: {
          ls: { path: '/bin/ls', options: ['--color=always'], args: { max: 2 } },
        },
      },
    });
  });
  afterAll(() => stack?.stop());

  it('gives commands a terminal type: `ls --color=always` prints colour', async () => {
    const alice = await signedIn(stack, 'alice');
    try {
      const { executionId } = await alice.trpc.exec.execute.mutate({
        target: 'local',
        command: 'ls --color=always /',
      });
      const watched = await watch(alice, executionId);
      expect(watched.end.exitCode).toBe(0);
      // `bin` coloured as a terminal shows it: bold cyan (a link, as on Debian) or bold blue.
      const out = watched.stdout.toString();
      expect(['\u001b[01;36mbin', '\u001b[01;34mbin'].some((c) => out.includes(c))).toBe(true);
    } finally {
      await alice.close();
    }
  });
});

describe('a start that fails half-way', () => {
  it('closes what it had opened: the database is left closed, its write-ahead log folded in', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-half-'));
    try {
      // The output directory cannot be made: the start fails after SQLite opened.
      writeFileSync(path.join(dataDir, 'output'), 'not a directory');
      await expect(startTestStack({ sshd: false, dataDir })).rejects.toThrow();
      // SQLite removes the -wal and -shm files when the last connection closes; an open one
      // keeps them.
      expect(existsSync(path.join(dataDir, 'ogent.sqlite'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'ogent.sqlite-wal'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'ogent.sqlite-shm'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
