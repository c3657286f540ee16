import type { Kysely } from 'kysely';

/**
 * The sessions and account-state tables, for SQLite's and PostgreSQL's migrations alike: the
 * same columns, with times in the database's 64-bit integer type (`integer` in SQLite, `bigint`
 * in PostgreSQL).
 */
export async function createSessionTables(
  db: Kysely<unknown>,
  int64: 'integer' | 'bigint',
): Promise<void> {
  // Sessions: what each sign-in started, renewed and revoked.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('created_at', int64, (c) => c.notNull())
    .addColumn('expires_at', int64, (c) => c.notNull())
    .addColumn('token_expires_at', int64, (c) => c.notNull())
    .addColumn('renewed_at', int64)
    .addColumn('revoked_at', int64)
    .addColumn('revoked_reason', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema
    .createIndex('sessions_user')
    .on('sessions')
    .columns(['username', 'expires_at'])
    .execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
  // Administrators' run-time changes to accounts (`disabled` is 0 or 1 in both).
  await db.schema
    .createTable('account_states')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('roles', 'text')
    .addColumn('updated_at', int64, (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
