/**
 * A signed-in session: what a sign-in with a password starts, and what every token issued to it
 * (the first, and each renewal) names in its `sid` claim. Revoking it refuses them all.
 */
export interface SessionRecord {
  readonly id: string;
  readonly username: string;
  /** Ms since the epoch. */
  readonly createdAt: number;
  /** Past this, no token of the session is valid and none is issued (`auth.maxSessionAge`). */
  readonly expiresAt: number;
  /** When the newest token issued to it expires. */
  readonly tokenExpiresAt: number;
  readonly renewedAt: number | null;
  readonly revokedAt: number | null;
  /** Why it was revoked: `sign_out`, `account_disabled`, `revoked_by_admin`. */
  readonly revokedReason: string | null;
  /** The client address it signed in from. */
  readonly address: string | null;
}

/**
 * What an administrator changed about an account at run time, over what the configuration says.
 * Applies to local accounts and to users of an outside identity provider alike, by username.
 */
export interface AccountState {
  readonly username: string;
  /** A disabled account cannot sign in, and its tokens are refused. */
  readonly disabled: boolean;
  /** Roles in place of the configured ones (or the token's), or null for those. */
  readonly roles: readonly string[] | null;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** A new token was issued to the session; false if it is revoked or gone. */
  renew(id: string, tokenExpiresAt: number, at: number): Promise<boolean>;
  /** Revokes one session; false if it was already revoked or does not exist. */
  revoke(id: string, reason: string, at: number): Promise<boolean>;
  /** Revokes every live session of a user; returns their ids. */
  revokeUser(username: string, reason: string, at: number): Promise<string[]>;
  /** Sessions neither revoked nor expired at `now`, newest first (all users when not given). */
  active(now: number, username?: string): Promise<SessionRecord[]>;
  /** Deletes sessions that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;

  accountState(username: string): Promise<AccountState | undefined>;
  accountStates(): Promise<AccountState[]>;
  setAccountState(state: AccountState): Promise<void>;
}

/** What other instances must hear at once: their sockets and caches follow. */
export type SessionEvent =
  | { readonly type: 'session.revoked'; readonly sessionId: string; readonly reason: string }
  | {
      readonly type: 'account.changed';
      readonly username: string;
      readonly disabled: boolean;
    };

/**
 * Session and account changes, to every instance (this one included): in-process on a single
 * node, Redis pub/sub in a cluster.
 */
export interface SessionEvents {
  publish(event: SessionEvent): Promise<void>;
  /** Returns the unsubscription. */
  subscribe(listener: (event: SessionEvent) => void): () => void;
}
