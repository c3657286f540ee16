import type { UserAccount } from '@ogent/api';
import type { Kysely } from 'kysely';
import type { PgDatabase } from './postgres/schema.js';
import type { Database } from './schema.js';

/** Accounts kept in the database (the generated admin of the embedded default config). */
export class UserStore {
  private readonly db: Kysely<Database>;

  /** Takes SQLite's or PostgreSQL's database: the users table is the same in both. */
  constructor(db: Kysely<Database> | Kysely<PgDatabase>) {
    this.db = db as Kysely<Database>;
  }

  async get(username: string): Promise<UserAccount | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          username: row.username,
          passwordHash: row.password_hash,
          roles: JSON.parse(row.roles) as string[],
        };
  }

  async all(): Promise<UserAccount[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map((row) => ({
      username: row.username,
      passwordHash: row.password_hash,
      roles: JSON.parse(row.roles) as string[],
    }));
  }

  async upsert(account: UserAccount): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('users')
      .values({
        username: account.username,
        password_hash: account.passwordHash,
        roles: JSON.stringify(account.roles),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('username').doUpdateSet({
          password_hash: account.passwordHash,
          roles: JSON.stringify(account.roles),
          updated_at: now,
        }),
      )
      .execute();
  }
}

/** The accounts that may sign in, and the stored ones that may not. */
export interface SignInAccounts {
  readonly accounts: readonly UserAccount[];
  /** Stored accounts a configuration file does not define, by username. */
  readonly disabled: readonly string[];
}

/**
 * Decides who may sign in. With the embedded default config, the stored accounts are its users
 * (the generated admin). A configuration file, though, is the whole truth: a stored account it
 * does not define (such as the admin generated when the same data directory was first used
 * without a file) would otherwise keep signing in unknown to the file's author. Such an
 * account is disabled, not deleted: its executions keep their owner, and starting without a
 * file again brings it back.
 */
export function signInAccounts(
  stored: readonly UserAccount[],
  configured: readonly UserAccount[],
  storedSignIn: boolean,
): SignInAccounts {
  if (storedSignIn) return { accounts: [...stored, ...configured], disabled: [] };
  const defined = new Set(configured.map((a) => a.username));
  return {
    accounts: configured,
    disabled: stored.map((a) => a.username).filter((name) => !defined.has(name)),
  };
}
