import type { AccountState, SessionRecord, SessionStore } from '@ogent/api';
import type { Kysely, Selectable } from 'kysely';
import type { PgDatabase } from './postgres/schema.js';
import type { Database, SessionsTable } from './schema.js';

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    username: row.username,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    tokenExpiresAt: row.token_expires_at,
    renewedAt: row.renewed_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    address: row.address,
  };
}

/** Sessions and account states in SQLite or PostgreSQL (the tables are the same in both). */
export class SqlSessionStore implements SessionStore {
  private readonly db: Kysely<Database>;

  constructor(db: Kysely<Database> | Kysely<PgDatabase>) {
    this.db = db as Kysely<Database>;
  }

  async create(session: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        username: session.username,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        token_expires_at: session.tokenExpiresAt,
        renewed_at: session.renewedAt,
        revoked_at: session.revokedAt,
        revoked_reason: session.revokedReason,
        address: session.address,
      })
      .execute();
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toSession(row);
  }

  async renew(id: string, tokenExpiresAt: number, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ token_expires_at: tokenExpiresAt, renewed_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revoke(id: string, reason: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeUser(username: string, reason: string, at: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('username', '=', username)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async active(now: number, username?: string): Promise<SessionRecord[]> {
    let query = this.db
      .selectFrom('sessions')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
    if (username !== undefined) query = query.where('username', '=', username);
    const rows = await query.orderBy('created_at', 'desc').limit(10_000).execute();
    return rows.map(toSession);
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async accountState(username: string): Promise<AccountState | undefined> {
    const row = await this.db
      .selectFrom('account_states')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row === undefined ? undefined : toState(row);
  }

  async accountStates(): Promise<AccountState[]> {
    const rows = await this.db
      .selectFrom('account_states')
      .selectAll()
      .orderBy('username')
      .execute();
    return rows.map(toState);
  }

  async setAccountState(state: AccountState): Promise<void> {
    const values = {
      disabled: state.disabled ? 1 : 0,
      roles: state.roles === null ? null : JSON.stringify(state.roles),
      updated_at: state.updatedAt,
      updated_by: state.updatedBy,
    };
    await this.db
      .insertInto('account_states')
      .values({ username: state.username, ...values })
      .onConflict((oc) => oc.column('username').doUpdateSet(values))
      .execute();
  }
}

function toState(row: {
  username: string;
  disabled: number;
  roles: string | null;
  updated_at: number;
  updated_by: string;
}): AccountState {
  return {
    username: row.username,
    disabled: row.disabled === 1,
    roles: row.roles === null ? null : (JSON.parse(row.roles) as string[]),
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
