import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
  base64url,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlSessionStore } from '../src/storage/sessions.js';
import { TEST_USERS, type TestStack, openDatabase, startTestStack } from '../src/testing/index.js';
import {
  type RawResponse,
  handshakeStatus,
  openSocket,
  post,
  request,
  signedIn,
  trpcError,
  watch,
} from './helpers.js';

const IDP_ISSUER = 'https://idp.example.test';
const IDP_AUDIENCE = 'ogent-idp';

let stack: TestStack;
let jwks: Server;
/** The server's own signing key, read from its data directory: forged tokens then differ from
 * real ones only in what each test changes. */
let serverKey: { privateKey: CryptoKey; kid: string; publicJwk: JWK };
let idpKey: CryptoKey;
let idpEs384Key: CryptoKey;
let alice: Awaited<ReturnType<typeof signedIn>>;
let bob: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  const idp = await generateKeyPair('EdDSA', { extractable: true });
  const es384 = await generateKeyPair('ES384', { extractable: true });
  idpKey = idp.privateKey;
  idpEs384Key = es384.privateKey;
  const keys = [
    { ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'EdDSA', use: 'sig' },
    { ...(await exportJWK(es384.publicKey)), kid: 'idp-384', alg: 'ES384', use: 'sig' },
  ];
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;

  stack = await startTestStack({
    sshd: false,
    config: {
      auth: {
        tokenTtl: '1h',
        maxLoginFailures: 5,
        maxAddressFailures: 10,
        loginWindow: '15m',
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        issuer: IDP_ISSUER,
        audience: IDP_AUDIENCE,
      },
      // Sign-in is limited per address: the tests, on 127.0.0.1, act as a trusted proxy and name
      // each client's address in X-Forwarded-For.
      server: { trustedProxies: ['127.0.0.1'] },
    },
  });
  // The current key is the first of the file's keys.
  const [stored] = (
    JSON.parse(readFileSync(path.join(stack.dataDir, 'jwt-signing-key.json'), 'utf8')) as {
      keys: { privateJwk: JWK; publicJwk: JWK }[];
    }
  ).keys;
  if (stored === undefined) throw new Error('no signing key stored');
  serverKey = {
    privateKey: (await importJWK(stored.privateJwk, 'EdDSA')) as CryptoKey,
    kid: stored.publicJwk.kid ?? '',
    publicJwk: stored.publicJwk,
  };
  [alice, bob] = await Promise.all([signedIn(stack, 'alice'), signedIn(stack, 'bob')]);
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close()]);
  await stack?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Claims of a valid local token for `alice`; each test changes one thing. */
function localClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: 'ogent',
    aud: 'ogent',
    sub: 'alice',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    jti: crypto.randomUUID(),
    // Alice's live session: a local token is good only for a session the server started.
    sid: decodeJwt(alice.token).sid,
    roles: ['operator'],
    ...overrides,
  };
}

/** Signs claims with the server's own key, with the header it uses unless told otherwise. */
function serverSigned(
  claims: JWTPayload,
  header: Record<string, unknown> = { typ: 'JWT' },
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: serverKey.kid, ...header })
    .sign(serverKey.privateKey);
}

/** A token put together by hand, signature and all. */
function assemble(header: object, claims: JWTPayload, signature = ''): string {
  const part = (value: object): string => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(claims)}.${signature}`;
}

function idpClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: IDP_ISSUER,
    aud: IDP_AUDIENCE,
    sub: 'carol',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    roles: ['operator'],
    ...overrides,
  };
}

function idpSigned(
  claims: JWTPayload,
  kid = 'idp-1',
  key = idpKey,
  alg = 'EdDSA',
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
}

/**
 * What a refused token gets, everywhere a token is accepted: 401 over HTTP (validate and
 * command), UNAUTHORIZED over tRPC, and over the WebSocket. No answer echoes any part of the
 * token or carries a stack trace, and every answer has the documented shape only.
 */
async function expectRefused(token: string, why?: RegExp): Promise<string> {
  const validate = await request(stack, '/api/auth/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const command = await request(stack, '/api/command', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'echo hi', target: 'local' }),
  });
  const trpc = await request(stack, '/trpc/auth.me', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(validate.status).toBe(401);
  expect(Object.keys(validate.json ?? {}).sort()).toEqual(['error', 'valid']);
  expect(validate.json?.valid).toBe(false);
  expect(command.status).toBe(401);
  expect(Object.keys(command.json ?? {})).toEqual(['error']);
  expect(trpc.status).toBe(401);
  expect((trpc.json?.error as { data: { code: string } }).data.code).toBe('UNAUTHORIZED');
  const reason = String(validate.json?.error);
  expect(command.json?.error).toBe(reason);
  expect((trpc.json?.error as { message: string }).message).toBe(reason);
  if (why !== undefined) expect(reason).toMatch(why);
  for (const response of [validate, command, trpc]) expectNothingLeaked(response, token);

  const socket = await openSocket(stack, { token });
  try {
    socket.send({ id: 1, method: 'query', params: { path: 'auth.me' } });
    const answer = await socket.next((m) => m.id === 1);
    expect(answer).toMatchObject({ error: { data: { code: 'UNAUTHORIZED' }, message: reason } });
    expect(JSON.stringify(answer)).not.toContain(token.split('.')[1] ?? token);
  } finally {
    socket.socket.close();
  }
  return reason;
}

function expectNothingLeaked(response: RawResponse, token: string): void {
  for (const part of [token, ...token.split('.')].filter((p) => p.length >= 8)) {
    expect(response.text).not.toContain(part);
  }
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/work\/|Error:|stack/u);
}

describe('forged local tokens are refused', () => {
  it('a token made with the server key and the right claims is accepted (the control)', async () => {
    const token = await serverSigned(localClaims());
    const { status, body } = await post(stack, '/api/auth/validate', {}, token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: true, user: { username: 'alice', roles: ['operator'] } });
  });

  it('alg "none", unsigned', async () => {
    await expectRefused(
      assemble({ alg: 'none', typ: 'JWT' }, localClaims()),
      /algorithm|malformed/,
    );
    await expectRefused(assemble({ alg: 'none', typ: 'JWT' }, localClaims(), 'x'));
  });

  it('HS256 with the public key from /.well-known/jwks.json as the HMAC secret', async () => {
    const published = (await request(stack, '/.well-known/jwks.json')).json as { keys: JWK[] };
    const jwk = published.keys[0] ?? {};
    expect(jwk.x).toBe(serverKey.publicJwk.x);
    const secrets = [jwk.x ?? '', JSON.stringify(jwk), JSON.stringify(published)];
    for (const secret of secrets) {
      const token = await new SignJWT(localClaims())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: serverKey.kid })
        .sign(new TextEncoder().encode(secret));
      await expectRefused(token, /algorithm/);
    }
  });

  it('HS256 with any other secret', async () => {
    const token = await new SignJWT(localClaims())
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('a-guessed-secret-of-some-length'));
    await expectRefused(token, /algorithm/);
  });

  it('EdDSA signed by a different key, even one claiming the server key id or embedding itself', async () => {
    const other = await generateKeyPair('EdDSA', { extractable: true });
    const sameKid = await new SignJWT(localClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: serverKey.kid })
      .sign(other.privateKey);
    await expectRefused(sameKid, /signature/);
    const embedded = await new SignJWT(localClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', jwk: await exportJWK(other.publicKey) })
      .sign(other.privateKey);
    await expectRefused(embedded);
  });

  // Built when each runs: the claims name alice's session, which starts in beforeAll.
  it.each([
    ['a wrong issuer', () => localClaims({ iss: 'someone-else' }), /"iss"/],
    ['a wrong audience', () => localClaims({ aud: 'another-app' }), /"aud"/],
    ['no expiry', () => localClaims({ exp: undefined }), /"exp"/],
    ['no subject', () => localClaims({ sub: undefined }), /"sub"/],
    ['an expired one', () => localClaims({ exp: nowSeconds() - 60 }), /expired/],
    ['one not valid yet', () => localClaims({ nbf: nowSeconds() + 3600 }), /"nbf"/],
    ['a user that does not exist', () => localClaims({ sub: 'nobody' }), /no longer exists/],
    ['an empty subject', () => localClaims({ sub: '' }), /"sub"/],
    ['no session', () => localClaims({ sid: undefined }), /"sid"/],
    [
      'a session the server never started',
      () => localClaims({ sid: crypto.randomUUID() }),
      /session/,
    ],
    ["another user's session", () => localClaims({ sid: decodeJwt(bob.token).sid }), /session/],
  ])('signed with the server key, but %s', async (_what, claims, why) => {
    await expectRefused(await serverSigned(claims()), why);
  });

  it('a wrong or missing `typ`, and an unknown critical header', async () => {
    await expectRefused(await serverSigned(localClaims(), { typ: 'at+jwt' }), /"typ"/);
    await expectRefused(await serverSigned(localClaims(), {}), /"typ"/);
    const critical = await new SignJWT(localClaims())
      .setProtectedHeader({
        alg: 'EdDSA',
        typ: 'JWT',
        kid: serverKey.kid,
        crit: ['x-ogent'],
        'x-ogent': 1,
      })
      .sign(serverKey.privateKey, { crit: { 'x-ogent': true } });
    await expectRefused(critical);
  });

  it('a tampered payload keeps nothing of the original signature', async () => {
    const [header, , signature] = alice.token.split('.');
    const claims = JSON.parse(
      Buffer.from(alice.token.split('.')[1] ?? '', 'base64url').toString(),
    ) as JWTPayload;
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: 'admin' }))}.${signature}`;
    await expectRefused(tampered, /signature/);
  });

  it('roles in a local token are ignored: they come from the configuration', async () => {
    const token = await serverSigned(localClaims({ roles: ['admin'] }));
    const { body } = await post(stack, '/api/auth/validate', {}, token);
    expect(body).toMatchObject({
      valid: true,
      user: { username: 'alice', roles: ['operator'] },
      permissions: { viewAll: false, cancelAll: false },
    });
  });

  it('garbage in the Authorization header', async () => {
    for (const token of ['a.b.c', 'not-a-token', `${'A'.repeat(9_000)}.${'B'.repeat(6_000)}.x`]) {
      await expectRefused(token);
    }
    for (const header of ['Basic YWxpY2U6cGFzcw==', 'Bearer', `Bearer ${alice.token} extra`]) {
      const response = await request(stack, '/api/auth/validate', {
        method: 'POST',
        headers: { authorization: header },
      });
      expect(response.status).toBe(401);
      expect(response.json?.valid).toBe(false);
    }
  });
});

describe('an external identity provider', () => {
  it('a valid token from it is accepted, with roles from its `roles` claim (the control)', async () => {
    const operator = await idpSigned(idpClaims());
    const { status, body } = await post(stack, '/api/auth/validate', {}, operator);
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid: true, user: { username: 'carol', roles: ['operator'] } });
    const ran = await post(
      stack,
      '/api/command',
      { command: 'echo from idp', target: 'local' },
      operator,
    );
    expect(ran).toMatchObject({ status: 200, body: { stdout: 'from idp\n' } });

    const admin = await idpSigned(idpClaims({ sub: 'dave', roles: ['admin', 'no-such-role'] }));
    const asAdmin = await post(stack, '/api/auth/validate', {}, admin);
    expect(asAdmin.body).toMatchObject({
      user: { username: 'dave', roles: ['admin'] },
      permissions: { viewAll: true, cancelAll: true },
    });
  });

  it('role names that are Object.prototype properties grant nothing and break nothing', async () => {
    const token = await idpSigned(
      idpClaims({ sub: 'eve', roles: ['constructor', '__proto__', 'toString', 'hasOwnProperty'] }),
    );
    const validate = await post(stack, '/api/auth/validate', {}, token);
    expect(validate).toMatchObject({
      status: 200,
      body: { user: { username: 'eve', roles: [] }, permissions: { viewAll: false, targets: [] } },
    });
    const command = await post(
      stack,
      '/api/command',
      { command: 'echo hi', target: 'local' },
      token,
    );
    expect(command.status).toBe(403);
    expect(command.body.refusalCode).toBe('command_not_permitted');
  });

  it('refuses an unknown key id, a wrong issuer or audience, and an algorithm not allowed', async () => {
    await expectRefused(await idpSigned(idpClaims(), 'idp-unknown'), /unknown key/);
    await expectRefused(await idpSigned(idpClaims({ aud: 'someone-else' })), /"aud"/);
    // Another issuer's token is checked as a local one, which it is not.
    await expectRefused(await idpSigned(idpClaims({ iss: 'https://evil.example.test' })));
    await expectRefused(await idpSigned(idpClaims(), 'idp-384', idpEs384Key, 'ES384'), /algorithm/);
    await expectRefused(await idpSigned(idpClaims({ exp: nowSeconds() - 60 })), /expired/);
  });

  it("cannot pass for a local account, or hide its name: another user's executions stay theirs", async () => {
    await expectRefused(await idpSigned(idpClaims({ sub: 'alice' })), /local account/);
    for (const sub of ['carol\u202e', 'carol smith', 'x'.repeat(300), '\u200b']) {
      await expectRefused(await idpSigned(idpClaims({ sub })), /username/);
    }
    const typical = await idpSigned(idpClaims({ sub: 'auth0|5f7c8ec7c33c6c004bbafe82' }));
    expect((await post(stack, '/api/auth/validate', {}, typical)).status).toBe(200);
  });

  it('refuses a token naming the provider but signed by someone else', async () => {
    const other = await generateKeyPair('EdDSA');
    await expectRefused(await idpSigned(idpClaims(), 'idp-1', other.privateKey));
    // The server's own key does not speak for the provider either.
    const byServer = await new SignJWT(idpClaims())
      .setProtectedHeader({ alg: 'EdDSA', kid: serverKey.kid })
      .sign(serverKey.privateKey);
    await expectRefused(byServer);
  });
});

describe('a token in a URL', () => {
  it('is never accepted over HTTP', async () => {
    for (const [where, name] of [
      ['/api/auth/validate', 'token'],
      ['/api/command', 'access_token'],
    ] as const) {
      const response = await request(stack, `${where}?${name}=${alice.token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'echo hi', target: 'local' }),
      });
      expect(response.status).toBe(401);
      expectNothingLeaked(response, alice.token);
    }
    const trpc = await request(stack, `/trpc/auth.me?token=${alice.token}`);
    expect(trpc.status).toBe(401);
  });

  it('is refused at the WebSocket handshake', async () => {
    expect(await handshakeStatus(stack, { query: `token=${alice.token}` })).toBe(400);
    expect(await handshakeStatus(stack, { query: `access_token=${alice.token}` })).toBe(400);
    expect(await handshakeStatus(stack)).toBe(101);
  });
});

describe("one user's valid token and another user's execution", () => {
  it('cannot read, cancel, watch or download it: NOT_FOUND, the same as no execution at all', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    const missing = crypto.randomUUID();
    try {
      for (const id of [executionId, missing]) {
        const read = await trpcError(bob.trpc.exec.byId.query({ executionId: id }));
        const cancel = await trpcError(bob.trpc.exec.cancel.mutate({ executionId: id }));
        const subscribe = await trpcError(watch(bob, id));
        for (const error of [read, cancel, subscribe]) {
          expect(error.code).toBe('NOT_FOUND');
          expect(error.message).toBe(`No execution ${id}.`);
        }
        const download = await request(stack, `/api/executions/${id}/output`, {
          headers: { authorization: `Bearer ${bob.token}` },
        });
        expect(download.status).toBe(404);
        expect(download.json).toEqual({ error: `No execution ${id}.` });
      }
      const { items } = await bob.trpc.exec.list.query({ username: 'alice' });
      expect(items.every((e) => e.username === 'bob')).toBe(true);
      // Still running: bob's cancel did nothing.
      expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('running');
    } finally {
      await alice.trpc.exec.cancel.mutate({ executionId });
    }
  });
});

describe('the WebSocket', () => {
  it('refuses a foreign Origin', async () => {
    expect(await handshakeStatus(stack, { headers: { origin: 'https://evil.example' } })).toBe(403);
    expect(await handshakeStatus(stack, { headers: { origin: 'null' } })).toBe(403);
    expect(await handshakeStatus(stack, { headers: { origin: stack.url } })).toBe(101);
  });

  it('closes with 4001 when the token expires during a subscription; the token is refused after', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'emit 1000 5',
    });
    const expiresAt = nowSeconds() + 2;
    // A socket lives as long as its session's newest token (renewals extend it): a session the
    // server gave a two-second token, as with `tokenTtl: 2s`.
    const sessionId = crypto.randomUUID();
    const database = await openDatabase(stack.dataDir);
    try {
      await new SqlSessionStore(database.db).create({
        id: sessionId,
        username: 'alice',
        createdAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
        tokenExpiresAt: expiresAt * 1000,
        renewedAt: null,
        revokedAt: null,
        revokedReason: null,
        address: null,
      });
    } finally {
      await database.close();
    }
    const shortLived = await serverSigned(localClaims({ exp: expiresAt, sid: sessionId }));
    const socket = await openSocket(stack, { token: shortLived });
    try {
      socket.send({
        id: 1,
        method: 'subscription',
        params: { path: 'exec.onOutput', input: { executionId } },
      });
      await socket.next((m) => m.id === 1 && (m.result as { type?: string })?.type === 'started');
      const closed = await socket.closed;
      expect(closed.code).toBe(4001);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 1_000);
      expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('running');
      await expectRefused(shortLived, /expired/);
    } finally {
      socket.socket.terminate();
      await alice.trpc.exec.cancel.mutate({ executionId });
    }
  });

  it('is the only way to subscribe: an HTTP event stream is refused, not left open', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    try {
      const input = encodeURIComponent(JSON.stringify({ executionId }));
      const response = await request(stack, `/trpc/exec.onOutput?input=${input}`, {
        headers: { authorization: `Bearer ${alice.token}`, accept: 'text/event-stream' },
      });
      // The whole answer arrived while the command still runs: nothing was streamed.
      expect(response.text).toContain('METHOD_NOT_SUPPORTED');
      expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('running');
    } finally {
      await alice.trpc.exec.cancel.mutate({ executionId });
    }
  });
});

describe('password guessing', () => {
  const login = (
    username: string,
    password: string,
    address: string,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> =>
    request(stack, '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password }),
    }).then((r) => ({ status: r.status, headers: r.headers, body: r.json ?? {} }));

  it('is limited per account and address, with Retry-After, and never locks the account', async () => {
    // Five free failures, and a sixth that makes the next attempt wait.
    for (let i = 0; i < 6; i += 1) {
      expect((await login('viewer', `guess-${i}-xxxxxxxx`, '198.51.100.1')).status).toBe(401);
    }
    const limited = await login('viewer', TEST_USERS.viewer.password, '198.51.100.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error).toEqual(expect.stringContaining('Too many'));
    // The user, from anywhere else, is not locked out by it.
    expect((await login('viewer', TEST_USERS.viewer.password, '198.51.100.99')).status).toBe(200);
  });

  it('is limited per address, across usernames', async () => {
    // Ten free failures per address, and an eleventh that makes the next attempt wait 1 s.
    for (let i = 0; i < 11; i += 1) {
      expect((await login(`sprayed-${i}`, 'password-guess', '203.0.113.7')).status).toBe(401);
    }
    expect((await login('bob', TEST_USERS.bob.password, '203.0.113.7')).status).toBe(429);
    expect((await login('bob', TEST_USERS.bob.password, '203.0.113.8')).status).toBe(200);
  });

  it('guesses sent all at once are limited as well', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login('admin', `burst-${i}-xxxxxxxx`, '192.0.2.1')),
    );
    const statuses = results.map((r) => r.status);
    // The five free ones and the one that set the first wait were checked; the rest were not.
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
  });

  it('a wrong password and an unknown user are told apart by nothing', async () => {
    const wrong = await login('alice', 'not-her-password', '192.0.2.200');
    const unknown = await login('no-such-user', 'not-her-password', '192.0.2.201');
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual({ ...wrong, headers: unknown.headers });
  });
});
