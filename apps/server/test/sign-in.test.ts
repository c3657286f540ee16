import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConfigInput,
  DEFAULT_CONFIG,
  type OgentServer,
  parseConfig,
  startServer,
} from '../src/index.js';
import { TEST_USERS, type TestStack, startTestStack, testConfig } from '../src/testing/index.js';

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: Record<string, unknown>;
}

/**
 * A POST from a chosen loopback source address (Linux routes all of 127.0.0.0/8 to the loopback
 * interface), so that the server sees a different client address per test, as it would
 * different machines.
 */
function postFrom(
  port: number,
  from: string,
  target: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          ...headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
            body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const signIn = (
  port: number,
  from: string,
  credentials: { username: string; password: string },
  forwardedFor?: string,
): Promise<Answer> =>
  postFrom(
    port,
    from,
    '/api/auth/login',
    credentials,
    forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  );

/** Wrong passwords for `username` until one is refused with 429; the statuses before it. */
async function guessUntilRefused(
  guess: (attempt: number) => Promise<Answer>,
): Promise<{ before: number[]; refused: Answer | undefined }> {
  const before: number[] = [];
  for (let attempt = 0; attempt < 12; attempt += 1) {
    const answer = await guess(attempt);
    if (answer.status === 429) return { before, refused: answer };
    before.push(answer.status);
  }
  return { before, refused: undefined };
}

const wrong = (username: string, attempt: number): { username: string; password: string } => ({
  username,
  password: `wrong-guess-${attempt}`,
});

describe('sign-in throttling', () => {
  let stack: TestStack;
  let port: number;

  beforeAll(async () => {
    stack = await startTestStack({
      sshd: false,
      config: {
        auth: { tokenTtl: '1h', maxLoginFailures: 3, maxAddressFailures: 8, loginWindow: '15m' },
        // 127.0.0.20 plays a reverse proxy; 10.0.0.0/8 stands for proxies further out.
        server: { trustedProxies: ['127.0.0.20', '10.0.0.0/8'] },
      },
    });
    port = stack.server.port;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("a stranger guessing admin's password is slowed down; admin elsewhere signs in at once", async () => {
    const { before, refused } = await guessUntilRefused((i) =>
      signIn(port, '127.0.0.2', wrong('admin', i)),
    );
    // Three free failures, a fourth that sets the first delay, then the wait.
    expect(before).toEqual([401, 401, 401, 401]);
    expect(refused?.retryAfter).toBe('1');
    expect(refused?.body.error).toBe('Too many failed sign-ins. Try again in 1 second.');
    // While it waits, not even the right password is checked from there.
    expect((await signIn(port, '127.0.0.2', TEST_USERS.admin)).status).toBe(429);

    const elsewhere = await signIn(port, '127.0.0.3', TEST_USERS.admin);
    expect(elsewhere.status).toBe(200);
    const validated = await postFrom(
      port,
      '127.0.0.3',
      '/api/auth/validate',
      {},
      {
        authorization: `Bearer ${String(elsewhere.body.token)}`,
      },
    );
    expect(validated).toMatchObject({ status: 200, body: { user: { username: 'admin' } } });
  });

  it('is throttled over tRPC as well', async () => {
    const { before, refused } = await guessUntilRefused((i) =>
      postFrom(port, '127.0.0.8', '/trpc/auth.login', wrong('alice', i)),
    );
    expect(before).toEqual([401, 401, 401, 401]);
    expect(refused?.body).toMatchObject({ error: { data: { code: 'TOO_MANY_REQUESTS' } } });
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
  });

  it('one address guessing many accounts is throttled as a whole', async () => {
    const { before, refused } = await guessUntilRefused((i) =>
      signIn(port, '127.0.0.4', wrong(`sprayed-${i}`, i)),
    );
    // Eight free failures for the address and a ninth that sets the first delay.
    expect(before).toEqual(Array(9).fill(401));
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    expect((await signIn(port, '127.0.0.4', TEST_USERS.alice)).status).toBe(429);
    expect((await signIn(port, '127.0.0.5', TEST_USERS.alice)).status).toBe(200);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // A new forwarded address each time: were it believed, every guess would be a new client.
    const { before, refused } = await guessUntilRefused((i) =>
      signIn(port, '127.0.0.6', wrong('bob', i), `198.51.100.${i}`),
    );
    expect(before).toEqual([401, 401, 401, 401]);
    expect(refused?.status).toBe(429);
    // Nor can such a peer borrow the throttled address's name: it is judged as itself.
    expect((await signIn(port, '127.0.0.7', TEST_USERS.bob, '127.0.0.6')).status).toBe(200);
  });

  it('honours X-Forwarded-For from a trusted proxy: the client is the last hop it added', async () => {
    // The client writes what it likes before the hop the proxy appends (203.0.113.5).
    const { before, refused } = await guessUntilRefused((i) =>
      signIn(port, '127.0.0.20', wrong('viewer', i), `192.0.2.${i}, 203.0.113.5`),
    );
    expect(before).toEqual([401, 401, 401, 401]);
    expect(refused?.status).toBe(429);
    // The same client through a further trusted proxy is still that client.
    expect(
      (await signIn(port, '127.0.0.20', TEST_USERS.viewer, '203.0.113.5, 10.1.2.3')).status,
    ).toBe(429);
    // Another client behind the same proxy, and the proxy's own address, are not slowed down.
    expect((await signIn(port, '127.0.0.20', TEST_USERS.viewer, '203.0.113.6')).status).toBe(200);
    expect((await signIn(port, '127.0.0.20', TEST_USERS.viewer)).status).toBe(200);
    // A peer that is not a proxy naming 203.0.113.5 is judged by its own address.
    expect((await signIn(port, '127.0.0.21', TEST_USERS.viewer, '203.0.113.5')).status).toBe(200);
  });

  it('a config with the old trustProxy key, or a proxy that is not an address, is refused by name', () => {
    const parse = (server: Record<string, unknown>): unknown =>
      parseConfig(
        { ...testConfig(undefined, os.tmpdir(), os.tmpdir()), server },
        { source: 'test', baseDir: os.tmpdir() },
      );
    expect(() => parse({ trustProxy: true })).toThrow(ConfigError);
    expect(() => parse({ trustProxy: true })).toThrow(/server: .*"trustProxy"/);
    expect(() => parse({ trustedProxies: ['proxy.internal'] })).toThrow(
      /server\.trustedProxies\[0\]: must be an IP address or a CIDR range/,
    );
  });
});

describe('accounts of a configuration file', () => {
  const dirs: string[] = [];
  const servers: OgentServer[] = [];
  let jwks: Server | undefined;

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await new Promise((resolve) => (jwks === undefined ? resolve(undefined) : jwks.close(resolve)));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const tempDir = (prefix: string): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  /** A logger that keeps what it writes. */
  const recordingLogger = (): { logger: pino.Logger; lines: Record<string, unknown>[] } => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    return { logger, lines };
  };

  it('disables a stored admin the file does not define, says so, and keeps it for the default config', async () => {
    const dataDir = tempDir('ogent-accounts-');
    const silent = pino({ level: 'silent' });
    const storedAdmin = { username: 'admin', password: 'stored-admin-password' };

    // First start with the embedded default config: it stores `admin` in the database.
    const defaults = parseConfig(
      { ...DEFAULT_CONFIG, server: { ...DEFAULT_CONFIG.server, port: 0, dataDir } },
      { source: 'default', baseDir: dataDir },
    );
    const first = await startServer({
      config: defaults,
      bootstrapAdmin: true,
      logger: silent,
      env: { OGENT_ADMIN_PASSWORD: storedAdmin.password },
      announce: () => undefined,
    });
    servers.push(first);
    const before = await signIn(first.port, '127.0.0.1', storedAdmin);
    expect(before.status).toBe(200);
    await first.close();

    // An outside identity provider, to check that its users cannot take the disabled name.
    const idp = await generateKeyPair('EdDSA', { extractable: true });
    const publicJwk = { ...(await exportJWK(idp.publicKey)), kid: 'idp', alg: 'EdDSA' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    const server = jwks;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const idpPort = (server.address() as AddressInfo).port;
    const idpToken = (sub: string): Promise<string> =>
      new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'idp' })
        .setIssuer('https://idp.test')
        .setAudience('ogent-test')
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(idp.privateKey);

    // Then with a configuration file that defines someone else, on the same data directory.
    const carol = { username: 'carol', password: 'carol-password-1' };
    const file: ConfigInput = {
      ...testConfig(undefined, tempDir('ogent-fixture-'), dataDir),
      users: [{ ...carol, roles: ['admin'] }],
      auth: {
        jwksUrl: `http://127.0.0.1:${idpPort}/jwks.json`,
        issuer: 'https://idp.test',
        audience: 'ogent-test',
      },
    };
    const { logger, lines } = recordingLogger();
    const second = await startServer({
      config: parseConfig(file, { source: 'test file', baseDir: dataDir }),
      logger,
    });
    servers.push(second);
    const refused = await signIn(second.port, '127.0.0.1', storedAdmin);
    expect(refused.status).toBe(401);
    expect((await signIn(second.port, '127.0.0.1', carol)).status).toBe(200);
    // Its old token is refused too.
    const oldToken = await postFrom(
      second.port,
      '127.0.0.1',
      '/api/auth/validate',
      {},
      {
        authorization: `Bearer ${String(before.body.token)}`,
      },
    );
    expect(oldToken.status).toBe(401);
    const validate = (token: string): Promise<Answer> =>
      postFrom(
        second.port,
        '127.0.0.1',
        '/api/auth/validate',
        {},
        { authorization: `Bearer ${token}` },
      );
    expect((await validate(await idpToken('admin'))).status).toBe(401);
    expect((await validate(await idpToken('dana'))).status).toBe(200);

    const warning = lines.find((l) => l.level === 40 && String(l.msg).includes('disabled'));
    expect(warning).toMatchObject({ accounts: ['admin'] });
    expect(String(warning?.msg)).toContain('admin');
    await second.close();

    // Disabled, not deleted: the default config again signs it in with the same password.
    const third = await startServer({
      config: defaults,
      bootstrapAdmin: true,
      logger: silent,
      env: {},
      announce: () => {
        throw new Error('a new admin password was generated: the stored admin was lost');
      },
    });
    servers.push(third);
    expect((await signIn(third.port, '127.0.0.1', storedAdmin)).status).toBe(200);
  });
});
