import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '@ogent/executor';
import { auditEntry } from '../domain/audit-chain.js';
import { DomainError } from '../errors.js';
import type { AuditTrail } from '../audit/trail.js';
import type { AppRole } from '../config.js';
import type { AuthUser } from '../domain/user.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionService } from './sessions.js';
import { TokenError, type TokenService } from './tokens.js';

/**
 * What an identity provider may call a user: up to 256 visible characters (letters, digits,
 * punctuation, symbols: `auth0|123`, `jane@example.com`), nothing blank or invisible, since it
 * is shown in every audit record.
 */
const EXTERNAL_USERNAME = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]{1,256}$/u;

/** A user who may sign in with a password. */
export interface UserAccount {
  readonly username: string;
  readonly passwordHash: string;
  readonly roles: readonly string[];
}

/**
 * A sign-in refused: a wrong password or a disabled account (`unauthenticated`), or too many
 * failed attempts (`rate_limited`, with when to try again).
 */
export class LoginRefusedError extends DomainError {
  override readonly name = 'LoginRefusedError';

  constructor(
    readonly kind: 'invalid' | 'rate_limited' | 'disabled',
    message: string,
    retryAfterSeconds?: number,
  ) {
    super(
      kind === 'rate_limited' ? 'rate_limited' : 'unauthenticated',
      message,
      retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
    );
  }
}

/**
 * Signs users in and turns tokens back into users. Local tokens name the user and a session:
 * roles are read from the configuration (or an administrator's run-time change) at every call,
 * and the session and the account are checked, so signing out, ending a session, disabling an
 * account or removing a role take effect at once.
 */
export class AuthService {
  private readonly accounts: ReadonlyMap<string, UserAccount>;
  private readonly reserved: ReadonlySet<string>;
  private readonly throttle: LoginThrottle;
  /** A hash to verify against for unknown users; made up front so every attempt costs the same. */
  private readonly decoy: Promise<string>;
  private readonly audit: AuditTrail | undefined;
  private readonly clock: Clock;
  readonly sessions: SessionService;

  constructor(
    accounts: readonly UserAccount[],
    private readonly roles: Readonly<Record<string, AppRole>>,
    readonly tokens: TokenService,
    options: {
      /** Slows down password guessing (per account and address, and per address). */
      readonly throttle: LoginThrottle;
      /**
       * Usernames of accounts that exist but may not sign in (stored accounts a config file does
       * not define). Their executions still belong to them, so no outside token may take the
       * name either.
       */
      readonly disabled?: readonly string[];
      /** Sessions (renewal, revocation) and administrators' changes to accounts. */
      readonly sessions: SessionService;
      /** The audit trail: every sign-in, successful or not, is an event. */
      readonly audit?: AuditTrail;
      readonly clock?: Clock;
    },
  ) {
    this.sessions = options.sessions;
    this.audit = options.audit;
    this.clock = options.clock ?? systemClock;
    this.accounts = new Map(accounts.map((a) => [a.username, a]));
    this.reserved = new Set([...this.accounts.keys(), ...(options.disabled ?? [])]);
    this.throttle = options.throttle;
    this.decoy = hashPassword(randomBytes(16).toString('hex'));
  }

  /** Checks a password; returns a token. Throws LoginRefusedError. */
  async login(
    username: string,
    password: string,
    clientAddress: string,
  ): Promise<{ token: string; expiresAt: number; user: AuthUser }> {
    // Counted before the (slow) password check, so that guesses sent all at once are limited too.
    const attempt = await this.throttle.begin(username, clientAddress);
    if (!attempt.allowed) {
      const seconds = Math.ceil(attempt.retryAfterMs / 1000);
      this.noteSignIn('auth.sign_in_failed', username, clientAddress, { reason: 'throttled' });
      throw new LoginRefusedError(
        'rate_limited',
        `Too many failed sign-ins. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        seconds,
      );
    }
    const account = this.accounts.get(username);
    // Verify against a decoy when the user does not exist, so timing does not reveal it.
    const hash = account?.passwordHash ?? (await this.decoy);
    const ok = (await verifyPassword(password, hash)) && account !== undefined;
    if (!ok) {
      await attempt.failed();
      this.noteSignIn('auth.sign_in_failed', username, clientAddress, {
        reason: account === undefined ? 'unknown_user' : 'wrong_password',
      });
      throw new LoginRefusedError('invalid', 'Invalid username or password.');
    }
    // Checked after the password, so that the answer does not tell who exists.
    const state = await this.sessions.account(account.username);
    if (state?.disabled === true) {
      await attempt.succeeded();
      this.noteSignIn('auth.sign_in_failed', username, clientAddress, { reason: 'disabled' });
      throw new LoginRefusedError('disabled', 'This account has been disabled.');
    }
    await attempt.succeeded();
    const { session, tokenExpiresAt } = await this.sessions.start(account.username, clientAddress);
    this.noteSignIn('auth.sign_in', username, clientAddress, { session: session.id });
    const roles = state?.roles ?? account.roles;
    const issued = await this.tokens.issue(account.username, roles, {
      id: session.id,
      expiresAt: tokenExpiresAt,
    });
    return {
      ...issued,
      user: this.describe(account.username, roles, issued.expiresAt, session.id, session.expiresAt),
    };
  }

  /**
   * A new token for the caller's session, valid for another `tokenTtl` (never past the session's
   * maximum age): what keeps an active user signed in. Throws TokenError when it cannot.
   */
  async renew(user: AuthUser): Promise<{ token: string; expiresAt: number; user: AuthUser }> {
    if (user.sessionId === undefined || user.sessionId === null) {
      throw new DomainError(
        'invalid_input',
        "An outside identity provider's token is renewed by that provider.",
      );
    }
    const tokenExpiresAt = await this.sessions.renew(user.sessionId, user.username);
    const issued = await this.tokens.issue(user.username, user.roles, {
      id: user.sessionId,
      expiresAt: tokenExpiresAt,
    });
    return { ...issued, user: { ...user, expiresAt: issued.expiresAt } };
  }

  /** Ends the caller's session: its tokens are refused from now on, its sockets closed. */
  async signOut(user: AuthUser, clientAddress: string): Promise<void> {
    if (user.sessionId === undefined || user.sessionId === null) return;
    if (await this.sessions.revoke(user.sessionId, 'sign_out')) {
      this.audit?.note(
        auditEntry({
          type: 'auth.sign_out',
          at: this.clock.now(),
          actor: user.username,
          address: clientAddress,
          subject: user.username,
          data: { session: user.sessionId },
        }),
      );
    }
  }

  /** Accounts that sign in with a password: username and configured roles. */
  localAccounts(): { username: string; roles: readonly string[] }[] {
    return [...this.accounts.values()].map((a) => ({ username: a.username, roles: a.roles }));
  }

  /** Whether roles are defined by the configuration. */
  knownRole(role: string): boolean {
    return Object.hasOwn(this.roles, role);
  }

  /** The user a token stands for. Throws TokenError (a reason safe to show). */
  async authenticate(token: string): Promise<AuthUser> {
    const verified = await this.tokens.verify(token);
    if (verified.issuer === 'external') {
      if (!EXTERNAL_USERNAME.test(verified.username)) {
        throw new TokenError("The token's username is not acceptable.");
      }
      // Executions belong to a username: an outside identity named like a local account would
      // see and cancel that account's executions.
      if (this.reserved.has(verified.username)) {
        throw new TokenError('The token names a local account; sign in with its password.');
      }
      const state = await this.sessions.account(verified.username);
      if (state?.disabled === true) throw new TokenError('This account has been disabled.');
      // Own keys only: a role named `constructor` in a token must not match Object.prototype.
      const roles = (state?.roles ?? verified.roles).filter((r) => Object.hasOwn(this.roles, r));
      return this.describe(verified.username, roles, verified.expiresAt, null, null);
    }
    const account = this.accounts.get(verified.username);
    if (account === undefined)
      throw new TokenError('The token names a user that no longer exists.');
    const [session, state] = await Promise.all([
      this.sessions.check(verified.sessionId ?? '', account.username),
      this.sessions.account(account.username),
    ]);
    if (state?.disabled === true) throw new TokenError('This account has been disabled.');
    return this.describe(
      account.username,
      state?.roles ?? account.roles,
      verified.expiresAt,
      session.id,
      session.expiresAt,
    );
  }

  private noteSignIn(
    type: 'auth.sign_in' | 'auth.sign_in_failed',
    username: string,
    address: string,
    data: Record<string, string>,
  ): void {
    this.audit?.note(
      auditEntry({
        type,
        at: this.clock.now(),
        // Who tried is not known to be who they said: the name goes in the data.
        actor: type === 'auth.sign_in' ? username : null,
        address,
        subject: username.slice(0, 128),
        data,
      }),
    );
  }

  private describe(
    username: string,
    roles: readonly string[],
    expiresAt: number,
    sessionId: string | null,
    sessionExpiresAt: number | null,
  ): AuthUser {
    const known = roles
      .filter((r) => Object.hasOwn(this.roles, r))
      .map((r) => this.roles[r])
      .filter((r) => r !== undefined);
    return {
      username,
      roles,
      viewAll: known.some((r) => r.viewAll),
      cancelAll: known.some((r) => r.cancelAll),
      readAudit: known.some((r) => r.audit),
      manageUsers: known.some((r) => r.manageUsers),
      expiresAt,
      sessionId,
      sessionExpiresAt,
    };
  }
}
