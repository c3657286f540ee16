import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort } from '@ogent/executor/testing';
import { TEST_USERS } from '@ogent/server/testing';
import { type JWK, SignJWT, decodeJwt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliStack, OGENT_BIN, freshHome, ogent, startCliStack, tokenFor } from './helpers.js';

let cli: CliStack;
const homes: ReturnType<typeof freshHome>[] = [];

beforeAll(async () => {
  cli = await startCliStack();
});

afterAll(async () => {
  await cli?.stop();
  for (const home of homes) home.remove();
});

function home(): ReturnType<typeof freshHome> {
  const made = freshHome();
  homes.push(made);
  return made;
}

/** The output is one line saying what is wrong: no stack trace, no object dump. */
function expectOneLine(stderr: Buffer, pattern: RegExp): void {
  const text = stderr.toString();
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(text).toMatch(/^ogent: /);
  expect(text).not.toMatch(/^\s+at |node:internal|\{$/m);
  expect(text).toMatch(pattern);
}

async function validate(token: string): Promise<{ status: number; error: unknown }> {
  const response = await fetch(`${cli.url}/api/auth/validate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: response.status, error: ((await response.json()) as { error?: unknown }).error };
}

describe('a saved session', () => {
  it('renews the saved token past half its life, and `ogent logout` ends the session on the server', async () => {
    const { home: dir, env } = home();
    const { username, password } = TEST_USERS.alice;
    const login = await ogent(
      ['login', '--url', cli.url, '-u', username, '--password-stdin'],
      env,
      {
        stdin: password,
      },
    );
    expect(login.status).toBe(0);
    const file = path.join(dir, '.config', 'ogent', 'credentials.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      token: string;
      expiresAt: number;
      savedAt: number;
    };
    // As if saved long enough ago that more than half of the token's life has passed.
    const life = saved.expiresAt - saved.savedAt;
    writeFileSync(file, JSON.stringify({ ...saved, savedAt: saved.expiresAt - 2.2 * life }));

    expect((await ogent(['targets'], env)).status).toBe(0);
    const renewed = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
    expect(renewed.token).not.toBe(saved.token);
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(saved.expiresAt);
    expect(decodeJwt(renewed.token).sid).toBe(decodeJwt(saved.token).sid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Not renewed again while it is young.
    expect((await ogent(['targets'], env)).status).toBe(0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as typeof saved).token).toBe(renewed.token);

    const logout = await ogent(['logout'], env);
    expect(logout.stderr.toString()).toBe(`Signed out of ${cli.url}\n`);
    // Every token of the session is refused, the copied one too.
    for (const token of [saved.token, renewed.token]) {
      expect(await validate(token)).toEqual({
        status: 401,
        error: 'This session was signed out. Sign in again.',
      });
    }
    expect((await ogent(['logout'], env)).stderr.toString()).toBe('Not signed in\n');
  });
});

describe('ogent login', () => {
  it('saves the token in $XDG_CONFIG_HOME/ogent, readable by its owner only; later commands use it', async () => {
    const { home: dir, env } = home();
    const config = path.join(dir, 'xdg');
    const withXdg = { ...env, XDG_CONFIG_HOME: config };
    const { username, password } = TEST_USERS.alice;
    const login = await ogent(
      ['login', '--url', cli.url, '-u', username, '--password-stdin'],
      withXdg,
      { stdin: `${password}\n` },
    );
    expect(login.stderr.toString()).toMatch(/^Signed in to .* as alice until /);
    expect(login.status).toBe(0);
    const file = path.join(config, 'ogent', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { token: string; url: string };
    expect(saved.url).toBe(cli.url);
    expect(decodeJwt(saved.token).sub).toBe('alice');

    const run = await ogent(['run', '-t', 'web-1', '--', 'exitwith', '4'], withXdg);
    expect(run.status).toBe(4);
    // OGENT_TOKEN overrides the saved token.
    const overridden = await ogent(['targets'], { ...withXdg, OGENT_TOKEN: 'not-a-token' });
    expect(overridden.status).toBe(1);
  });

  it('defaults to ~/.config/ogent without XDG_CONFIG_HOME', async () => {
    const { home: dir, env } = home();
    const { username, password } = TEST_USERS.bob;
    const login = await ogent(
      ['login', '--url', cli.url, '-u', username, '--password-stdin'],
      env,
      {
        stdin: password,
      },
    );
    expect(login.status).toBe(0);
    expect(statSync(path.join(dir, '.config', 'ogent', 'credentials.json')).mode & 0o777).toBe(
      0o600,
    );
  });

  it('asks for the password on the terminal without echoing it', async () => {
    const { home: dir, env } = home();
    const { username, password } = TEST_USERS.alice;
    // `script` gives the command a terminal; what the terminal shows comes back on stdout.
    const command = [process.execPath, OGENT_BIN, 'login', '--url', cli.url, '-u', username]
      .map((arg) => `'${arg}'`)
      .join(' ');
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (screen.includes('Password:') && !child.stdin.writableEnded) {
        child.stdin.end(`${password}\n`);
      }
    });
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(screen).toContain('Password:');
    expect(screen).toMatch(/Signed in to .* as alice/);
    expect(screen).not.toContain(password);
    expect(status).toBe(0);
    expect(statSync(path.join(dir, '.config', 'ogent', 'credentials.json')).mode & 0o777).toBe(
      0o600,
    );
  });

  it('a wrong password is one line, nothing saved', async () => {
    const { env } = home();
    const login = await ogent(['login', '--url', cli.url, '-u', 'alice', '--password-stdin'], env, {
      stdin: 'wrong-password',
    });
    expect(login.status).toBe(1);
    expectOneLine(login.stderr, /password/i);
  });

  it('does not send a saved token to another server named by OGENT_URL', async () => {
    const { env } = home();
    const { username, password } = TEST_USERS.alice;
    await ogent(['login', '--url', cli.url, '-u', username, '--password-stdin'], env, {
      stdin: password,
    });
    const seen: (string | undefined)[] = [];
    const other: Server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const result = await ogent(['targets'], { ...env, OGENT_URL: `http://127.0.0.1:${port}` });
      expect(result.status).toBe(1);
      expectOneLine(result.stderr, /not signed in to http:\/\/127\.0\.0\.1:\d+/);
      expect(seen).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('errors are one clear line', () => {
  it('a wrong OGENT_URL: nothing listens there', async () => {
    const { env } = home();
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await ogent(['run', '-t', 'web-1', '--', 'exitwith', '0'], {
      ...env,
      OGENT_URL: url,
      OGENT_TOKEN: 'x',
    });
    expect(run.status).toBe(255);
    expectOneLine(
      run.stderr,
      new RegExp(`cannot reach the Ogent server at ${url} \\(ECONNREFUSED\\)`),
    );
    const targets = await ogent(['targets'], { ...env, OGENT_URL: url, OGENT_TOKEN: 'x' });
    expect(targets.status).toBe(1);
    expectOneLine(targets.stderr, /ECONNREFUSED/);
  });

  it('a wrong OGENT_URL: something that is not Ogent answers', async () => {
    const { env } = home();
    const other = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>nope</p>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const run = await ogent(['run', '-t', 'web-1', '--', 'exitwith', '0'], {
        ...env,
        OGENT_URL: url,
        OGENT_TOKEN: 'x',
      });
      expect(run.status).toBe(255);
      expectOneLine(run.stderr, /did not answer as an Ogent server/);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('an expired token', async () => {
    const { env } = home();
    // The server's own key signs a token that is valid in every way but its expiry.
    const [stored] = (
      JSON.parse(readFileSync(path.join(cli.stack.dataDir, 'jwt-signing-key.json'), 'utf8')) as {
        keys: { privateJwk: JWK; publicJwk: JWK }[];
      }
    ).keys;
    if (stored === undefined) throw new Error('no signing key stored');
    const claims = decodeJwt(await tokenFor(cli.url, 'alice'));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'EdDSA', kid: stored.publicJwk.kid ?? '', typ: 'JWT' })
      .sign(await importJWK(stored.privateJwk, 'EdDSA'));
    const expiredEnv = { ...env, OGENT_URL: cli.url, OGENT_TOKEN: expired };
    const run = await ogent(['run', '-t', 'web-1', '--', 'exitwith', '0'], expiredEnv);
    expect(run.status).toBe(255);
    expectOneLine(run.stderr, /expired.*ogent login/i);
    const targets = await ogent(['targets'], expiredEnv);
    expect(targets.status).toBe(1);
    expectOneLine(targets.stderr, /expired.*ogent login/i);
  });

  it('a saved login that has expired, before asking the server', async () => {
    const { home: dir, env } = home();
    const { username, password } = TEST_USERS.alice;
    await ogent(['login', '--url', cli.url, '-u', username, '--password-stdin'], env, {
      stdin: password,
    });
    const file = path.join(dir, '.config', 'ogent', 'credentials.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...saved, expiresAt: Date.now() - 1000 }));
    const run = await ogent(['run', '-t', 'web-1', '--', 'exitwith', '0'], env);
    expect(run.status).toBe(255);
    expectOneLine(run.stderr, /session with .* expired at .*ogent login/);
  });

  it('an unknown execution, a malformed id, an unknown target', async () => {
    const { env } = home();
    const signedIn = { ...env, OGENT_URL: cli.url, OGENT_TOKEN: await tokenFor(cli.url, 'alice') };
    const unknown = await ogent(['follow', '00000000-0000-4000-8000-000000000000'], signedIn);
    expect(unknown.status).toBe(255);
    expectOneLine(unknown.stderr, /No execution/);
    const malformed = await ogent(['follow', 'nope'], signedIn);
    expectOneLine(malformed.stderr, /^ogent: executionId: not an execution id\n$/);
    const target = await ogent(['run', '-t', 'nowhere', '--', 'ls'], signedIn);
    expect(target.status).toBe(255);
    expectOneLine(target.stderr, /nowhere/);
  });
});
