import { ManualClock } from '@ogent/executor';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type PostgresFixture,
  type RedisFixture,
  startPostgres,
  startRedis,
} from '../src/testing/engines.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { type RawSocket, openSocket, post, request, signedIn, trpcError } from './helpers.js';

/** A socket authorised with a token: a subscription-less call answered proves it. */
async function authorisedSocket(stack: TestStack, token: string): Promise<RawSocket> {
  const socket = await openSocket(stack, { token });
  socket.send({ id: 1, method: 'query', params: { path: 'auth.me', input: undefined } });
  const answer = await socket.next((m) => m.id === 1);
  expect(answer).toHaveProperty('result');
  return socket;
}

function stillOpen(socket: RawSocket): boolean {
  return socket.socket.readyState === socket.socket.OPEN;
}

async function login(stack: TestStack, username: string, password: string): Promise<string> {
  const answer = await post(stack, '/api/auth/login', { username, password });
  expect(answer.status).toBe(200);
  return String(answer.body.token);
}

async function validate(
  stack: TestStack,
  token: string,
): Promise<{ status: number; error: unknown }> {
  const answer = await post(stack, '/api/auth/validate', {}, token);
  return { status: answer.status, error: answer.body.error };
}

/** Milliseconds since the epoch at which a token expires (its `exp` is in whole seconds). */
function expiry(token: string): number {
  return (decodeJwt(token).exp ?? 0) * 1000;
}

describe("session expiry, on the server's clock", () => {
  // Time moves only when the test moves it: a token's expiry and a session's maximum age are
  // reached at once, and exactly, instead of after seconds of sleeping.
  const clock = new ManualClock(Date.now());
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      sshd: false,
      clock,
      config: { auth: { tokenTtl: '3s', maxSessionAge: '8s' } },
    });
  });
  afterAll(() => stack?.stop());

  it('an active user renews: the socket outlives the first token; the maximum age ends it', async () => {
    const first = await login(stack, 'alice', 'alice-password-1');
    const sid = decodeJwt(first).sid;
    const signedInAt = clock.now();
    const socket = await authorisedSocket(stack, first);
    // How, and when on the server's clock, the socket was closed.
    let closed: { code: number; at: number } | undefined;
    void socket.closed.then(({ code }) => {
      closed = { code, at: clock.now() };
    });

    clock.advance(1_500);
    const renewed = await post(stack, '/api/auth/renew', {}, first);
    expect(renewed.status).toBe(200);
    const second = String(renewed.body.token);
    expect(decodeJwt(second)).toMatchObject({ sid, sub: 'alice' });
    expect(Date.parse(String(renewed.body.expiresAt))).toBeGreaterThan(expiry(first));

    // Past the first token's expiry: it is refused, the renewed one is not, the socket stays.
    clock.advance(expiry(first) + 300 - clock.now());
    expect((await validate(stack, first)).status).toBe(401);
    expect((await validate(stack, second)).status).toBe(200);
    expect(stillOpen(socket)).toBe(true);

    // Renewing until the session's maximum age: the last token ends with the session.
    // (A token's expiry is in whole seconds: renew well before it.)
    let last = second;
    while (clock.now() - signedInAt < 6_500) {
      const again = await post(stack, '/api/auth/renew', {}, last);
      expect(again.status).toBe(200);
      last = String(again.body.token);
      clock.advance(700);
    }
    expect(expiry(last)).toBeLessThanOrEqual(signedInAt + 8_000 + 1_000);
    // To just past the session's end (the server's authority is in milliseconds, a token's
    // expiry in whole seconds, so the last token may show an earlier one).
    clock.advance(signedInAt + 8_000 + 300 - clock.now());
    // The socket's timer is set again after each look at the session, for a time that may have
    // passed meanwhile: run what fell due until the socket closes.
    await vi.waitFor(() => {
      clock.advance(0);
      expect(closed).toBeDefined();
    });
    expect(closed?.code).toBe(4001);
    // Not at the first token's expiry, nor at any renewed one's: only once the session ended.
    expect((closed?.at ?? 0) - signedInAt).toBeGreaterThan(7_000);
    const refused = await post(stack, '/api/auth/renew', {}, last);
    expect(refused.status).toBe(401);
  });
});

describe('sessions on the single node', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      sshd: false,
      config: { auth: { tokenTtl: '3s', maxSessionAge: '8s' } },
    });
  });
  afterAll(() => stack?.stop());

  it('signing out refuses the session everywhere at once, and only that session', async () => {
    const mine = await login(stack, 'alice', 'alice-password-1');
    const other = await login(stack, 'alice', 'alice-password-1');
    const [mySocket, otherSocket] = await Promise.all([
      authorisedSocket(stack, mine),
      authorisedSocket(stack, other),
    ]);

    const out = await request(stack, '/api/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${mine}` },
    });
    expect(out.status).toBe(204);
    expect(await mySocket.closed).toEqual({ code: 4003, reason: 'sign_out' });
    expect(await validate(stack, mine)).toEqual({
      status: 401,
      error: 'This session was signed out. Sign in again.',
    });
    expect((await post(stack, '/api/auth/renew', {}, mine)).status).toBe(401);
    // Another sign-in of the same user goes on.
    expect((await validate(stack, other)).status).toBe(200);
    expect(stillOpen(otherSocket)).toBe(true);
    otherSocket.socket.close();

    const admin = await signedIn(stack, 'admin');
    const events = await admin.trpc.audit.list.query({ after: 0, limit: 5_000 });
    const signOut = events.filter((e) => e.type === 'auth.sign_out').at(-1);
    expect(signOut).toMatchObject({ actor: 'alice', subject: 'alice' });
    expect(JSON.parse(signOut?.data ?? '{}')).toEqual({ session: decodeJwt(mine).sid });
    await admin.close();
  });

  it('an admin disables a user: tokens refused, sockets closed, sign-in refused; enabling restores', async () => {
    const admin = await signedIn(stack, 'admin');
    const bob = await login(stack, 'bob', 'bob-password-12');
    const socket = await authorisedSocket(stack, bob);

    const view = await admin.trpc.users.update.mutate({ username: 'bob', disabled: true });
    expect(view).toMatchObject({ username: 'bob', kind: 'local', disabled: true, sessions: 0 });
    expect((await socket.closed).code).toBe(4003);
    expect(await validate(stack, bob)).toEqual({
      status: 401,
      error: 'This account has been disabled.',
    });
    const refused = await post(stack, '/api/auth/login', {
      username: 'bob',
      password: 'bob-password-12',
    });
    expect(refused).toMatchObject({
      status: 401,
      body: { error: 'This account has been disabled.' },
    });
    // A wrong password still says only that.
    expect(
      (await post(stack, '/api/auth/login', { username: 'bob', password: 'wrong-password' })).body
        .error,
    ).toBe('Invalid username or password.');

    await admin.trpc.users.update.mutate({ username: 'bob', disabled: false });
    expect((await validate(stack, await login(stack, 'bob', 'bob-password-12'))).status).toBe(200);
    // The session ended by disabling stays ended.
    expect((await validate(stack, bob)).status).toBe(401);

    // Who is there, and what was done, for other administrators.
    const list = await admin.trpc.users.list.query();
    expect(list.find((a) => a.username === 'bob')).toMatchObject({
      disabled: false,
      updatedBy: 'admin',
      configuredRoles: ['operator'],
      rolesOverride: null,
    });
    const events = await admin.trpc.audit.list.query({ after: 0, limit: 5_000 });
    expect(
      events
        .filter((e) => e.type === 'account.update' && e.subject === 'bob')
        .map((e) => JSON.parse(e.data) as unknown),
    ).toEqual([
      { disabled: true, roles: null, sessionsEnded: 1 },
      { disabled: false, roles: null, sessionsEnded: 0 },
    ]);
    await admin.close();
  });

  it('changed roles take effect at once: the next command is judged by them, sockets reconnect', async () => {
    const admin = await signedIn(stack, 'admin');
    const viewer = await signedIn(stack, 'viewer');
    const token = await login(stack, 'viewer', 'viewer-password');
    const socket = await authorisedSocket(stack, token);
    await expect(
      trpcError(viewer.trpc.exec.execute.mutate({ target: 'local', command: 'seq 1 2' })),
    ).resolves.toMatchObject({ code: 'FORBIDDEN' });

    await admin.trpc.users.update.mutate({ username: 'viewer', roles: ['operator'] });
    expect(await socket.closed).toEqual({ code: 4000, reason: 'Roles changed' });
    const started = await viewer.trpc.exec.execute.mutate({ target: 'local', command: 'seq 1 2' });
    expect(started.executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await viewer.trpc.auth.me.query()).toMatchObject({ roles: ['operator'] });

    await admin.trpc.users.update.mutate({ username: 'viewer', roles: null });
    await expect(
      trpcError(viewer.trpc.exec.execute.mutate({ target: 'local', command: 'seq 1 2' })),
    ).resolves.toMatchObject({ code: 'FORBIDDEN' });

    // Only administrators, and only roles that exist.
    await expect(trpcError(viewer.trpc.users.list.query())).resolves.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      trpcError(admin.trpc.users.update.mutate({ username: 'viewer', roles: ['wizard'] })),
    ).resolves.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('wizard') });
    await Promise.all([admin.close(), viewer.close()]);
  });
});

describe('sessions across a cluster', () => {
  // Both instances on one clock that the test moves, as two hosts' synchronised clocks.
  const clock = new ManualClock(Date.now());
  let postgres: PostgresFixture;
  let redis: RedisFixture;
  let a: TestStack;
  let b: TestStack;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const config = {
      storage: { databaseUrl: postgres.url, redisUrl: redis.url },
      auth: { tokenTtl: '3s', maxSessionAge: '1h' },
    };
    a = await startTestStack({ sshd: false, config, clock });
    b = await startTestStack({ sshd: false, config, clock });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('a renewal on one instance keeps a socket on another; sign-out and disabling reach it at once', async () => {
    const first = await login(a, 'alice', 'alice-password-1');
    const onB = await authorisedSocket(b, first);
    // Renewed on A; B's socket goes on past the first token's expiry.
    clock.advance(1_500);
    const renewed = await post(a, '/api/auth/renew', {}, first);
    expect(renewed.status).toBe(200);
    clock.advance(expiry(first) + 500 - clock.now());
    expect(stillOpen(onB)).toBe(true);
    expect((await validate(b, String(renewed.body.token))).status).toBe(200);

    // Signed out on A: B closes the socket and refuses the token, without waiting on a cache.
    const token = String(renewed.body.token);
    expect((await validate(b, token)).status).toBe(200);
    const out = await request(a, '/api/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.status).toBe(204);
    expect(await onB.closed).toEqual({ code: 4003, reason: 'sign_out' });
    expect((await validate(b, token)).status).toBe(401);

    // Disabled on B: A refuses bob's token at once and closes his socket there.
    const bob = await login(a, 'bob', 'bob-password-12');
    const bobOnA = await authorisedSocket(a, bob);
    expect((await validate(a, bob)).status).toBe(200);
    const admin = await signedIn(b, 'admin');
    await admin.trpc.users.update.mutate({ username: 'bob', disabled: true });
    expect((await bobOnA.closed).code).toBe(4003);
    expect(await validate(a, bob)).toEqual({
      status: 401,
      error: 'This account has been disabled.',
    });
    await admin.close();
  });
});
