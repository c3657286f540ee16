// The caller every domain service checks rights against. It lives below the services (and the
// ports) because audit, executions, runs and retention all ask who is calling, and auth, which
// makes this value, itself records to the audit trail.

/** The authenticated caller, as procedures see it. */
export interface AuthUser {
  readonly username: string;
  readonly roles: readonly string[];
  /** May see every user's executions. */
  readonly viewAll: boolean;
  /** May cancel every user's executions. */
  readonly cancelAll: boolean;
  /** May read the audit trail. */
  readonly readAudit?: boolean;
  /** May disable accounts, change their roles and end their sessions. */
  readonly manageUsers?: boolean;
  /** When the token stops being valid, ms since the epoch. */
  readonly expiresAt: number;
  /** The session of a locally issued token (null for an outside identity provider's). */
  readonly sessionId?: string | null;
  /** When that session reaches its maximum age and cannot be renewed further. */
  readonly sessionExpiresAt?: number | null;
}
