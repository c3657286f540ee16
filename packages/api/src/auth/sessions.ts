import { randomUUID } from 'node:crypto';
import type { Clock } from '@ogent/executor';
import type {
  AccountState,
  SessionEvent,
  SessionEvents,
  SessionRecord,
  SessionStore,
} from '../ports/sessions.js';
import { TokenError } from './tokens.js';

/**
 * How long a looked-up session or account state is reused. Changes reach every instance at once
 * through SessionEvents, which drop the cached entry; this bounds what a lost event can delay.
 */
const CACHE_MS = 5_000;

/** The reasons a session ends early, as recorded and as the console explains them. */
export type RevokeReason = 'sign_out' | 'account_disabled' | 'revoked_by_admin';

const REVOKED_MESSAGES: Record<string, string> = {
  sign_out: 'This session was signed out. Sign in again.',
  account_disabled: 'This account has been disabled.',
  revoked_by_admin: 'An administrator ended this session. Sign in again.',
};

interface Cached<T> {
  readonly value: T;
  readonly at: number;
}

/**
 * Sessions: started by a sign-in, renewed while the user is active (each renewal a new token
 * with the same `sid`, never past `maxSessionAgeMs` from the sign-in), ended by signing out or by
 * an administrator. Also the run-time account states (disabled, roles in place of the
 * configured ones). Lookups are cached briefly; every change is published, so every instance
 * drops what it cached and closes the sockets it concerns at once.
 */
export class SessionService {
  private readonly sessions = new Map<string, Cached<SessionRecord | undefined>>();
  private readonly accounts = new Map<string, Cached<AccountState | undefined>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: SessionStore,
    private readonly events: SessionEvents,
    private readonly options: {
      readonly tokenTtlMs: number;
      readonly maxSessionAgeMs: number;
      readonly clock: Clock;
    },
  ) {
    this.unsubscribe = events.subscribe((event) => this.forget(event));
  }

  get maxSessionAgeMs(): number {
    return this.options.maxSessionAgeMs;
  }

  /** Starts a session for a user who just signed in; returns it and its first token's expiry. */
  async start(
    username: string,
    address: string | null,
  ): Promise<{ session: SessionRecord; tokenExpiresAt: number }> {
    const now = this.options.clock.now();
    const expiresAt = now + this.options.maxSessionAgeMs;
    const tokenExpiresAt = Math.min(expiresAt, now + this.options.tokenTtlMs);
    const session: SessionRecord = {
      id: randomUUID(),
      username,
      createdAt: now,
      expiresAt,
      tokenExpiresAt,
      renewedAt: null,
      revokedAt: null,
      revokedReason: null,
      address,
    };
    await this.store.create(session);
    this.sessions.set(session.id, { value: session, at: now });
    return { session, tokenExpiresAt };
  }

  /** The live session a token names. Throws TokenError (safe to show) when it is not. */
  async check(sessionId: string, username: string): Promise<SessionRecord> {
    const session = await this.cachedSession(sessionId);
    if (session?.username !== username) throw new TokenError('The session does not exist.');
    if (session.revokedAt !== null) {
      throw new TokenError(
        REVOKED_MESSAGES[session.revokedReason ?? ''] ?? 'This session has ended. Sign in again.',
      );
    }
    if (session.expiresAt <= this.options.clock.now()) {
      throw new TokenError('The session has reached its maximum age. Sign in again.');
    }
    return session;
  }

  /**
   * The expiry of the next token for a live session: another `tokenTtl`, never past the
   * session's maximum age. Throws TokenError when the session cannot be renewed.
   */
  async renew(sessionId: string, username: string): Promise<number> {
    const session = await this.check(sessionId, username);
    const now = this.options.clock.now();
    const tokenExpiresAt = Math.min(session.expiresAt, now + this.options.tokenTtlMs);
    if (!(await this.store.renew(sessionId, tokenExpiresAt, now))) {
      this.sessions.delete(sessionId);
      throw new TokenError('This session has ended. Sign in again.');
    }
    this.sessions.set(sessionId, {
      value: { ...session, tokenExpiresAt, renewedAt: now },
      at: now,
    });
    return tokenExpiresAt;
  }

  /**
   * How long a connection authorised by this session may stay open: the newest token's expiry
   * (renewals made anywhere count), or null when the session has ended. Reads the store.
   */
  async authorityUntil(sessionId: string): Promise<number | null> {
    this.sessions.delete(sessionId);
    const session = await this.cachedSession(sessionId);
    const now = this.options.clock.now();
    if (session === undefined || session.revokedAt !== null || session.expiresAt <= now)
      return null;
    return session.tokenExpiresAt > now ? session.tokenExpiresAt : null;
  }

  /** Ends one session. Returns whether it was live. */
  async revoke(sessionId: string, reason: RevokeReason): Promise<boolean> {
    const revoked = await this.store.revoke(sessionId, reason, this.options.clock.now());
    if (revoked) await this.events.publish({ type: 'session.revoked', sessionId, reason });
    this.sessions.delete(sessionId);
    return revoked;
  }

  /** Ends every live session of a user; returns how many. */
  async revokeUser(username: string, reason: RevokeReason): Promise<number> {
    const ids = await this.store.revokeUser(username, reason, this.options.clock.now());
    for (const sessionId of ids) {
      this.sessions.delete(sessionId);
      await this.events.publish({ type: 'session.revoked', sessionId, reason });
    }
    return ids.length;
  }

  /** A user's live sessions, newest first. */
  active(username?: string): Promise<SessionRecord[]> {
    return this.store.active(this.options.clock.now(), username);
  }

  /** The run-time state of an account, if an administrator set one. */
  async account(username: string): Promise<AccountState | undefined> {
    const now = this.options.clock.now();
    const cached = this.accounts.get(username);
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.value;
    const state = await this.store.accountState(username);
    this.accounts.set(username, { value: state, at: now });
    return state;
  }

  accountStates(): Promise<AccountState[]> {
    return this.store.accountStates();
  }

  /** Stores an account's state and tells every instance. */
  async setAccount(state: AccountState): Promise<void> {
    await this.store.setAccountState(state);
    this.accounts.delete(state.username);
    await this.events.publish({
      type: 'account.changed',
      username: state.username,
      disabled: state.disabled,
    });
  }

  /** Hears every session and account change (this instance's and others'). */
  onEvent(listener: (event: SessionEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Deletes sessions that ended more than `keepMs` ago; returns how many. */
  prune(keepMs: number): Promise<number> {
    return this.store.deleteExpired(this.options.clock.now() - keepMs);
  }

  close(): void {
    this.unsubscribe();
  }

  private async cachedSession(sessionId: string): Promise<SessionRecord | undefined> {
    const now = this.options.clock.now();
    const cached = this.sessions.get(sessionId);
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.value;
    const session = await this.store.get(sessionId);
    this.sessions.set(sessionId, { value: session, at: now });
    // Unknown ids are not kept long: a map of guesses must not grow without bound.
    if (this.sessions.size > 100_000) this.sessions.clear();
    return session;
  }

  private forget(event: SessionEvent): void {
    if (event.type === 'session.revoked') this.sessions.delete(event.sessionId);
    else this.accounts.delete(event.username);
  }
}
