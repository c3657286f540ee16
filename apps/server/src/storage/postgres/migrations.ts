import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { createSessionTables } from '../session-tables.js';

/**
 * PostgreSQL's schema, the same tables as SQLite's in portable types: 64-bit integers for times,
 * booleans, text, and output bytes as bytea rows. Never edit one that has shipped: add the next.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('executions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('refusal_code', 'text')
        .addColumn('reason', 'text')
        .addColumn('argv', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('signal', 'text')
        .addColumn('error', 'text')
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('duration_ms', 'bigint')
        .addColumn('output_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('truncated', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('idempotency_key', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('executions_created')
        .on('executions')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('executions_user_created')
        .on('executions')
        .columns(['username', 'created_at'])
        .execute();
      await db.schema.createIndex('executions_status').on('executions').column('status').execute();
      await db.schema
        .createIndex('executions_idempotency')
        .unique()
        .on('executions')
        .columns(['username', 'idempotency_key'])
        .where(sql.ref('idempotency_key'), 'is not', null)
        .execute();
      await db.schema
        .createTable('execution_output')
        .addColumn('execution_id', 'text', (c) =>
          c.notNull().references('executions.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('data', 'bytea', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_output_pk', ['execution_id', 'seq'])
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_runs': {
    async up(db: Kysely<unknown>) {
      // Fleet runs: one command on many targets, a row per host.
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('command', 'text', (c) => c.notNull())
        .addColumn('selector', 'text')
        .addColumn('requested_targets', 'text')
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('stop', 'text')
        .addColumn('stop_reason', 'text')
        .addColumn('retry_of', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('runs_created')
        .on('runs')
        .columns(['created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('runs_user_created')
        .on('runs')
        .columns(['username', 'created_at'])
        .execute();
      await db.schema.createIndex('runs_status').on('runs').column('status').execute();
      await db.schema
        .createTable('run_hosts')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('execution_id', 'text')
        .addColumn('execution_status', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('signal', 'text')
        .addColumn('exec_time', 'bigint')
        .addColumn('error_code', 'text')
        .addColumn('error', 'text')
        .addColumn('output_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('output_sha256', 'text')
        .addColumn('instance', 'text')
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_hosts_pk', ['run_id', 'position'])
        .execute();
      await db.schema
        .createIndex('run_hosts_version')
        .on('run_hosts')
        .columns(['run_id', 'version'])
        .execute();
      await db.schema
        .createIndex('run_hosts_status')
        .on('run_hosts')
        .columns(['run_id', 'status', 'position'])
        .execute();
    },
  },
  '0003_audit': {
    async up(db: Kysely<unknown>) {
      // The audit trail: every event carries the SHA-256 of the one before.
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('address', 'text')
        .addColumn('subject', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('k', 'integer', (c) => c.primaryKey())
        .addColumn('last_id', 'bigint', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (k, last_id, last_hash) values (1, 0, ${'0'.repeat(64)})`.execute(
        db,
      );
    },
  },
  '0004_retention': {
    async up(db: Kysely<unknown>) {
      // Retention: when an execution's output was pruned; ends looked up by time.
      await db.schema.alterTable('executions').addColumn('output_pruned_at', 'bigint').execute();
      await db.schema
        .createIndex('executions_finished')
        .on('executions')
        .columns(['finished_at'])
        .execute();
      await db.schema.createIndex('runs_finished').on('runs').columns(['finished_at']).execute();
    },
  },
  '0005_run_id': {
    async up(db: Kysely<unknown>) {
      // Which fleet run an execution is a host of: history lists runs apart.
      await db.schema.alterTable('executions').addColumn('run_id', 'text').execute();
      await db.schema.createIndex('executions_run').on('executions').column('run_id').execute();
    },
  },
  '0006_sessions': {
    up: (db: Kysely<unknown>) => createSessionTables(db, 'bigint'),
  },
  '0007_output_times': {
    async up(db: Kysely<unknown>) {
      // When each chunk of output arrived (ms since the epoch), for recordings and per-line
      // times. Chunks stored before have none (null): their time is unknown.
      await db.schema.alterTable('execution_output').addColumn('arrived_at', 'bigint').execute();
    },
  },
  '0008_output_search': {
    async up(db: Kysely<unknown>) {
      // Output search: the first `search.outputBytes` of each ended execution's output as text,
      // its words (the `simple` configuration: lower-cased, no stemming, no stop words) in a GIN
      // index. Output stored before this migration is not indexed.
      await sql`create table output_search (
        execution_id text primary key references executions (id) on delete cascade,
        body text not null,
        document tsvector generated always as (to_tsvector('simple', body)) stored
      )`.execute(db);
      await sql`create index output_search_document on output_search using gin (document)`.execute(
        db,
      );
    },
  },
  '0009_output_lines': {
    async up(db: Kysely<unknown>) {
      // Lines of output, counted as it streams, for history. Null for executions before.
      await db.schema.alterTable('executions').addColumn('output_lines', 'bigint').execute();
    },
  },
};

/**
 * Brings PostgreSQL's schema up to date. Kysely's migrator takes a lock (a row of its lock table,
 * FOR UPDATE, in one transaction), so when several instances start at once one migrates and the
 * others wait, then find nothing left to do.
 */
export async function migratePostgres(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`PostgreSQL migration ${failed} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
