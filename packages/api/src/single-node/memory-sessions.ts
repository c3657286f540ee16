import type {
  AccountState,
  SessionEvent,
  SessionEvents,
  SessionRecord,
  SessionStore,
} from '../ports/sessions.js';

/** Sessions and account states in memory (unit tests; the server keeps them in its database). */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly states = new Map<string, AccountState>();

  create(session: SessionRecord): Promise<void> {
    this.sessions.set(session.id, session);
    return Promise.resolve();
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(this.sessions.get(id));
  }

  renew(id: string, tokenExpiresAt: number, at: number): Promise<boolean> {
    const session = this.sessions.get(id);
    if (session === undefined || session.revokedAt !== null) return Promise.resolve(false);
    this.sessions.set(id, { ...session, tokenExpiresAt, renewedAt: at });
    return Promise.resolve(true);
  }

  revoke(id: string, reason: string, at: number): Promise<boolean> {
    const session = this.sessions.get(id);
    if (session === undefined || session.revokedAt !== null) return Promise.resolve(false);
    this.sessions.set(id, { ...session, revokedAt: at, revokedReason: reason });
    return Promise.resolve(true);
  }

  async revokeUser(username: string, reason: string, at: number): Promise<string[]> {
    const revoked: string[] = [];
    for (const session of await this.active(at, username)) {
      if (await this.revoke(session.id, reason, at)) revoked.push(session.id);
    }
    return revoked;
  }

  active(now: number, username?: string): Promise<SessionRecord[]> {
    return Promise.resolve(
      [...this.sessions.values()]
        .filter(
          (s) =>
            s.revokedAt === null &&
            s.expiresAt > now &&
            (username === undefined || s.username === username),
        )
        .sort((a, b) => b.createdAt - a.createdAt),
    );
  }

  deleteExpired(before: number): Promise<number> {
    let deleted = 0;
    for (const [id, session] of this.sessions) {
      if (session.expiresAt < before) {
        this.sessions.delete(id);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  accountState(username: string): Promise<AccountState | undefined> {
    return Promise.resolve(this.states.get(username));
  }

  accountStates(): Promise<AccountState[]> {
    return Promise.resolve(
      [...this.states.values()].sort((a, b) => a.username.localeCompare(b.username)),
    );
  }

  setAccountState(state: AccountState): Promise<void> {
    this.states.set(state.username, state);
    return Promise.resolve();
  }
}

/** The single node's session events: delivered to this process's listeners, synchronously. */
export class InProcessSessionEvents implements SessionEvents {
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  publish(event: SessionEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
    return Promise.resolve();
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
