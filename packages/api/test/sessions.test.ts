import { ManualClock } from '@ogent/executor';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../src/ports/sessions.js';
import { InProcessSessionEvents, MemorySessionStore } from '../src/single-node/memory-sessions.js';
import { AccountAdmin } from '../src/auth/accounts.js';
import { LoginThrottle } from '../src/auth/login-throttle.js';
import { hashPassword } from '../src/passwords.js';
import { AuthService } from '../src/auth/service.js';
import { SessionService } from '../src/auth/sessions.js';
import { TokenService, generateSigningKey } from '../src/auth/tokens.js';

const HOUR = 3_600_000;
const ROLE = { commands: ['*'], targets: ['*'], viewAll: false, cancelAll: false, audit: false };

let clock: ManualClock;
let auth: AuthService;
let admin: AccountAdmin;
let events: SessionEvent[];

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 10, 27, 9));
  const sessionEvents = new InProcessSessionEvents();
  events = [];
  sessionEvents.subscribe((e) => events.push(e));
  const sessions = new SessionService(new MemorySessionStore(), sessionEvents, {
    tokenTtlMs: HOUR,
    maxSessionAgeMs: 3 * HOUR,
    clock,
  });
  const tokens = await TokenService.create({
    keys: [await generateSigningKey()],
    ttl: '1h',
    clock,
  });
  const hash = await hashPassword('pw');
  auth = new AuthService(
    [
      { username: 'alice', passwordHash: hash, roles: ['operator'] },
      { username: 'root', passwordHash: hash, roles: ['admin'] },
    ],
    {
      operator: { ...ROLE, manageUsers: false },
      auditor: { ...ROLE, audit: true, manageUsers: false },
      admin: { ...ROLE, manageUsers: true },
    },
    tokens,
    {
      throttle: new LoginThrottle({
        freeFailuresPerAccount: 5,
        freeFailuresPerAddress: 30,
        windowMs: HOUR,
        maxDelayMs: HOUR,
      }),
      sessions,
      clock,
    },
  );
  admin = new AccountAdmin(auth, { clock });
});

describe('sessions', () => {
  it('renews a token while the session lasts, never past its maximum age', async () => {
    const signedIn = await auth.login('alice', 'pw', '127.0.0.1');
    expect(signedIn.expiresAt).toBe(clock.now() + HOUR);
    const sessionId = signedIn.user.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    clock.advance(HOUR - 60_000);
    const user = await auth.authenticate(signedIn.token);
    const renewed = await auth.renew(user);
    expect(renewed.expiresAt).toBe(clock.now() + HOUR);
    expect((await auth.authenticate(renewed.token)).sessionId).toBe(sessionId);

    // The first token expires on time; the renewed one goes on.
    clock.advance(60_000);
    await expect(auth.authenticate(signedIn.token)).rejects.toThrow('expired');
    const later = await auth.authenticate(renewed.token);

    // The third hour's token ends with the session, not an hour later.
    clock.advance(HOUR);
    const last = await auth.renew(later);
    expect(last.expiresAt).toBe(signedIn.user.sessionExpiresAt);
    clock.advance(last.expiresAt - clock.now());
    await expect(auth.authenticate(last.token)).rejects.toThrow();
    await expect(auth.renew(later)).rejects.toThrow('maximum age');
  });

  it('signing out refuses every token of the session, and only that session', async () => {
    const first = await auth.login('alice', 'pw', '127.0.0.1');
    const other = await auth.login('alice', 'pw', '127.0.0.2');
    const user = await auth.authenticate(first.token);
    const renewed = await auth.renew(user);
    await auth.signOut(user, '127.0.0.1');

    await expect(auth.authenticate(first.token)).rejects.toThrow('signed out');
    await expect(auth.authenticate(renewed.token)).rejects.toThrow('signed out');
    await expect(auth.renew(user)).rejects.toThrow('signed out');
    expect((await auth.authenticate(other.token)).username).toBe('alice');
    expect(events).toEqual([
      { type: 'session.revoked', sessionId: user.sessionId, reason: 'sign_out' },
    ]);
  });
});

describe('administrators and accounts', () => {
  it('disabling an account ends its sessions and its sign-ins; enabling lets it back', async () => {
    const root = await auth.authenticate((await auth.login('root', 'pw', '10.0.0.1')).token);
    const alice = await auth.login('alice', 'pw', '10.0.0.2');

    const view = await admin.update(root, 'alice', { disabled: true }, '10.0.0.1');
    expect(view).toMatchObject({ username: 'alice', disabled: true, sessions: 0 });
    await expect(auth.authenticate(alice.token)).rejects.toThrow('disabled');
    await expect(auth.login('alice', 'pw', '10.0.0.2')).rejects.toThrow(
      'This account has been disabled.',
    );
    expect(events.map((e) => e.type)).toEqual(['account.changed', 'session.revoked']);

    await admin.update(root, 'alice', { disabled: false }, '10.0.0.1');
    // The old session stays ended; a new sign-in works.
    await expect(auth.authenticate(alice.token)).rejects.toThrow();
    expect((await auth.login('alice', 'pw', '10.0.0.2')).user.username).toBe('alice');
  });

  it('roles set at run time take effect on the next call, and null goes back', async () => {
    const root = await auth.authenticate((await auth.login('root', 'pw', '10.0.0.1')).token);
    const { token } = await auth.login('alice', 'pw', '10.0.0.2');
    expect((await auth.authenticate(token)).readAudit).toBe(false);

    await admin.update(root, 'alice', { roles: ['auditor'] }, '10.0.0.1');
    expect(await auth.authenticate(token)).toMatchObject({ roles: ['auditor'], readAudit: true });
    await admin.update(root, 'alice', { roles: null }, '10.0.0.1');
    expect(await auth.authenticate(token)).toMatchObject({ roles: ['operator'], readAudit: false });

    const list = await admin.list(root);
    expect(list.map((a) => [a.username, a.kind, a.sessions])).toEqual([
      ['alice', 'local', 1],
      ['root', 'local', 1],
    ]);
  });

  it('refuses non-administrators, unknown roles, and disabling oneself', async () => {
    const root = await auth.authenticate((await auth.login('root', 'pw', '10.0.0.1')).token);
    const alice = await auth.authenticate((await auth.login('alice', 'pw', '10.0.0.2')).token);
    await expect(admin.list(alice)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(admin.update(alice, 'root', { disabled: true }, 'x')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(admin.update(root, 'alice', { roles: ['wizard'] }, 'x')).rejects.toThrow(
      'No such role: wizard',
    );
    await expect(admin.update(root, 'root', { disabled: true }, 'x')).rejects.toThrow(
      'cannot disable your own account',
    );
    expect(await admin.revokeSessions(root, 'alice', 'x')).toBe(1);
    await expect(admin.revokeSessions(root, 'alice', 'x')).resolves.toBe(0);
  });
});
