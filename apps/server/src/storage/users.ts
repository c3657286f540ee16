import type { UserAccount } from '@ogent/api';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Accounts kept in the database (the generated admin of the embedded default config). */
export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

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
