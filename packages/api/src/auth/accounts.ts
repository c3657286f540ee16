import type { Clock } from '@ogent/executor';
import { auditEntry } from '../domain/audit-chain.js';
import type { AuditTrail } from '../audit/trail.js';
import { DomainError } from '../errors.js';
import type { AuthService } from './service.js';
import type { AuthUser } from '../domain/user.js';

/** An account as administrators see it. */
export interface AccountView {
  readonly username: string;
  /** `local`: signs in with a password; `external`: known from an outside provider's tokens. */
  readonly kind: 'local' | 'external';
  /** The roles the configuration gives (empty for an external user: the token gives them). */
  readonly configuredRoles: readonly string[];
  /** The roles an administrator set in their place, or null. */
  readonly rolesOverride: readonly string[] | null;
  readonly disabled: boolean;
  /** Live sessions (local accounts). */
  readonly sessions: number;
  readonly updatedAt: number | null;
  readonly updatedBy: string | null;
}

export interface AccountChange {
  readonly disabled?: boolean;
  /** New roles, or null to go back to the configured ones. */
  readonly roles?: readonly string[] | null;
}

/**
 * What administrators (roles with `manageUsers`) do to accounts at run time: disable and enable
 * them, set their roles in place of the configured ones, end their sessions. Every change takes
 * effect at once on every instance (see SessionService) and is an audit event.
 */
export class AccountAdmin {
  constructor(
    private readonly auth: AuthService,
    private readonly options: { readonly audit?: AuditTrail; readonly clock: Clock },
  ) {}

  async list(caller: AuthUser): Promise<AccountView[]> {
    this.mayManage(caller);
    const sessions = this.auth.sessions;
    const [states, active] = await Promise.all([sessions.accountStates(), sessions.active()]);
    const stateOf = new Map(states.map((s) => [s.username, s]));
    const sessionCount = new Map<string, number>();
    for (const s of active) sessionCount.set(s.username, (sessionCount.get(s.username) ?? 0) + 1);
    const local = this.auth.localAccounts();
    const localNames = new Set(local.map((a) => a.username));
    const view = (
      username: string,
      kind: 'local' | 'external',
      configuredRoles: readonly string[],
    ): AccountView => {
      const state = stateOf.get(username);
      return {
        username,
        kind,
        configuredRoles,
        rolesOverride: state?.roles ?? null,
        disabled: state?.disabled ?? false,
        sessions: sessionCount.get(username) ?? 0,
        updatedAt: state?.updatedAt ?? null,
        updatedBy: state?.updatedBy ?? null,
      };
    };
    return [
      ...local.map((a) => view(a.username, 'local', a.roles)),
      ...states
        .filter((s) => !localNames.has(s.username))
        .map((s) => view(s.username, 'external', [])),
    ].sort((a, b) => a.username.localeCompare(b.username));
  }

  /**
   * Disables or enables an account, or sets its roles. Disabling ends its sessions; changing its
   * roles closes its sockets so that they reconnect under the new roles.
   */
  async update(
    caller: AuthUser,
    username: string,
    change: AccountChange,
    address: string,
  ): Promise<AccountView> {
    this.mayManage(caller);
    if (change.disabled === true && username === caller.username) {
      throw new DomainError('invalid_input', 'You cannot disable your own account.');
    }
    const unknown = (change.roles ?? []).filter((r) => !this.auth.knownRole(r));
    if (unknown.length > 0) {
      throw new DomainError(
        'invalid_input',
        `No such role: ${unknown.join(', ')}. Roles are defined in the configuration's \`roles\`.`,
      );
    }
    const sessions = this.auth.sessions;
    const before = await sessions.account(username);
    const state = {
      username,
      disabled: change.disabled ?? before?.disabled ?? false,
      roles: change.roles === undefined ? (before?.roles ?? null) : change.roles,
      updatedAt: this.options.clock.now(),
      updatedBy: caller.username,
    };
    await sessions.setAccount(state);
    const ended = state.disabled ? await sessions.revokeUser(username, 'account_disabled') : 0;
    this.options.audit?.note(
      auditEntry({
        type: 'account.update',
        at: state.updatedAt,
        actor: caller.username,
        address,
        subject: username,
        data: {
          disabled: state.disabled,
          roles: state.roles,
          sessionsEnded: ended,
        },
      }),
    );
    const found = (await this.list(caller)).find((a) => a.username === username);
    if (found === undefined) throw new DomainError('not_found', `No account ${username}.`);
    return found;
  }

  /** Ends every session of a user (their tokens are refused, their sockets closed). */
  async revokeSessions(caller: AuthUser, username: string, address: string): Promise<number> {
    this.mayManage(caller);
    const ended = await this.auth.sessions.revokeUser(username, 'revoked_by_admin');
    this.options.audit?.note(
      auditEntry({
        type: 'account.sessions_revoked',
        at: this.options.clock.now(),
        actor: caller.username,
        address,
        subject: username,
        data: { sessionsEnded: ended },
      }),
    );
    return ended;
  }

  private mayManage(caller: AuthUser): void {
    if (caller.manageUsers !== true) {
      throw new DomainError('forbidden', 'Managing users needs a role with `manageUsers`.');
    }
  }
}
