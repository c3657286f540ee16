import { type Kysely, type Migration, Migrator, sql } from 'kysely';

/** The two databases Ogent stores in: SQLite on a single node, PostgreSQL in a cluster. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * What one migration needs to know of its database: the column types that differ, and which
 * dialect it is for the few steps written apart (output bytes and the search index).
 */
interface SchemaTypes {
  readonly dialect: Dialect;
  /** Times and byte counts: SQLite's integer is already 64-bit. */
  readonly int64: 'integer' | 'bigint';
  /** A yes/no column and its false (SQLite has no booleans). */
  readonly flag: 'integer' | 'boolean';
  readonly no: 0 | false;
}

const TYPES: Record<Dialect, SchemaTypes> = {
  sqlite: { dialect: 'sqlite', int64: 'integer', flag: 'integer', no: 0 },
  postgres: { dialect: 'postgres', int64: 'bigint', flag: 'boolean', no: false },
};

/**
 * One schema change, under the name each dialect recorded it as when it shipped (PostgreSQL's
 * initial schema already had `error_code`, so from there on its numbers are one lower). A step
 * without a name for a dialect does not apply to it.
 */
interface Step {
  readonly names: { readonly sqlite?: string; readonly postgres?: string };
  up(db: Kysely<unknown>, types: SchemaTypes): Promise<void>;
}

async function initial(db: Kysely<unknown>, t: SchemaTypes): Promise<void> {
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
    // SQLite's came with the next migration; PostgreSQL's schema started with it.
    .$call((table) => (t.dialect === 'postgres' ? table.addColumn('error_code', 'text') : table))
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('finished_at', t.int64)
    .addColumn('duration_ms', t.int64)
    .addColumn('output_bytes', t.int64, (c) => c.notNull().defaultTo(0))
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('truncated', t.flag, (c) => c.notNull().defaultTo(t.no))
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
  await createOutputTable(db, t.dialect);
  await db.schema
    .createTable('users')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('updated_at', t.int64, (c) => c.notNull())
    .execute();
  // A single node keeps its signing keys in a file of dataDir (FileSigningKeyStore).
  if (t.dialect === 'postgres') {
    await db.schema
      .createTable('signing_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('private_jwk', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  }
}

/**
 * Output chunks: SQLite's point into the execution's output file (a clustered table), PostgreSQL's
 * hold the bytes, as instances share no disk.
 */
async function createOutputTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const table = db.schema
    .createTable('execution_output')
    .addColumn('execution_id', 'text', (c) =>
      c.notNull().references('executions.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull());
  switch (dialect) {
    case 'sqlite':
      await table
        .addColumn('byte_offset', 'integer', (c) => c.notNull())
        .addColumn('byte_length', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_output_pk', ['execution_id', 'seq'])
        .modifyEnd(sql`without rowid`)
        .execute();
      return;
    case 'postgres':
      await table
        .addColumn('data', 'bytea', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_output_pk', ['execution_id', 'seq'])
        .execute();
      return;
  }
}

async function runs(db: Kysely<unknown>, t: SchemaTypes): Promise<void> {
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
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('finished_at', t.int64)
    .addColumn('version', t.int64, (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_created').on('runs').columns(['created_at', 'id']).execute();
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
    .addColumn('exec_time', t.int64)
    .addColumn('error_code', 'text')
    .addColumn('error', 'text')
    .addColumn('output_bytes', t.int64, (c) => c.notNull().defaultTo(0))
    .addColumn('output_sha256', 'text')
    .addColumn('instance', 'text')
    .addColumn('started_at', t.int64)
    .addColumn('finished_at', t.int64)
    .addColumn('version', t.int64, (c) => c.notNull())
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
}

async function audit(db: Kysely<unknown>, t: SchemaTypes): Promise<void> {
  // The audit trail: every event carries the SHA-256 of the one before.
  await db.schema
    .createTable('audit_events')
    .addColumn('id', t.int64, (c) => c.primaryKey())
    .addColumn('at', t.int64, (c) => c.notNull())
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
    .addColumn('last_id', t.int64, (c) => c.notNull())
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (k, last_id, last_hash) values (1, 0, ${'0'.repeat(64)})`.execute(
    db,
  );
}

/** Sessions and administrators' run-time changes to accounts (`disabled` is 0 or 1 in both). */
async function sessions(db: Kysely<unknown>, t: SchemaTypes): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('token_expires_at', t.int64, (c) => c.notNull())
    .addColumn('renewed_at', t.int64)
    .addColumn('revoked_at', t.int64)
    .addColumn('revoked_reason', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema
    .createIndex('sessions_user')
    .on('sessions')
    .columns(['username', 'expires_at'])
    .execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
  await db.schema
    .createTable('account_states')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('roles', 'text')
    .addColumn('updated_at', t.int64, (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}

/**
 * Output search: the first `search.outputBytes` of each ended execution's output as text. SQLite
 * keeps it in an FTS5 index (letters and digits, case and accents folded); PostgreSQL its words
 * (the `simple` configuration: lower-cased, no stemming, no stop words) in a GIN index. Output
 * stored before this migration is not indexed.
 */
async function outputSearch(db: Kysely<unknown>, t: SchemaTypes): Promise<void> {
  switch (t.dialect) {
    case 'sqlite':
      await sql`create virtual table output_search using fts5(
        execution_id unindexed,
        body,
        tokenize = 'unicode61 remove_diacritics 2'
      )`.execute(db);
      return;
    case 'postgres':
      await sql`create table output_search (
        execution_id text primary key references executions (id) on delete cascade,
        body text not null,
        document tsvector generated always as (to_tsvector('simple', body)) stored
      )`.execute(db);
      await sql`create index output_search_document on output_search using gin (document)`.execute(
        db,
      );
      return;
  }
}

/**
 * Schema changes, in order, for both databases. Never edit one that has shipped, nor its names
 * (the migrator records them): add the next, named in each dialect as the one before plus one.
 */
const STEPS: readonly Step[] = [
  { names: { sqlite: '0001_initial', postgres: '0001_initial' }, up: initial },
  {
    names: { sqlite: '0002_error_code' },
    // The executor's code for a failure (`host_key_mismatch`, `connection_lost`, ...), so that
    // clients can tell failures apart without parsing messages.
    up: (db) => db.schema.alterTable('executions').addColumn('error_code', 'text').execute(),
  },
  { names: { sqlite: '0003_runs', postgres: '0002_runs' }, up: runs },
  { names: { sqlite: '0004_audit', postgres: '0003_audit' }, up: audit },
  {
    names: { sqlite: '0005_retention', postgres: '0004_retention' },
    // Retention: when an execution's output was pruned; ends looked up by time.
    async up(db, t) {
      await db.schema.alterTable('executions').addColumn('output_pruned_at', t.int64).execute();
      await db.schema
        .createIndex('executions_finished')
        .on('executions')
        .columns(['finished_at'])
        .execute();
      await db.schema.createIndex('runs_finished').on('runs').columns(['finished_at']).execute();
    },
  },
  {
    names: { sqlite: '0006_run_id', postgres: '0005_run_id' },
    // Which fleet run an execution is a host of: history lists runs apart.
    async up(db) {
      await db.schema.alterTable('executions').addColumn('run_id', 'text').execute();
      await db.schema.createIndex('executions_run').on('executions').column('run_id').execute();
    },
  },
  { names: { sqlite: '0007_sessions', postgres: '0006_sessions' }, up: sessions },
  {
    names: { sqlite: '0008_output_times', postgres: '0007_output_times' },
    // When each chunk of output arrived (ms since the epoch), for recordings and per-line times.
    // Chunks stored before have none (null): their time is unknown.
    up: (db, t) =>
      db.schema.alterTable('execution_output').addColumn('arrived_at', t.int64).execute(),
  },
  { names: { sqlite: '0009_output_search', postgres: '0008_output_search' }, up: outputSearch },
  {
    names: { sqlite: '0010_output_lines', postgres: '0009_output_lines' },
    // Lines of output, counted as it streams, for history. Null for executions before.
    up: (db, t) => db.schema.alterTable('executions').addColumn('output_lines', t.int64).execute(),
  },
];

/** The migrator's view of {@link STEPS} for one dialect: its names, its types. */
function migrationsFor(dialect: Dialect): Record<string, Migration> {
  const types = TYPES[dialect];
  const migrations: Record<string, Migration> = {};
  for (const step of STEPS) {
    const name = step.names[dialect];
    if (name !== undefined) migrations[name] = { up: (db: Kysely<unknown>) => step.up(db, types) };
  }
  return migrations;
}

/**
 * Brings the schema up to date and returns the migrations it applied. Throws with the failing
 * migration's name. On PostgreSQL Kysely's migrator takes a lock (a row of its lock table, FOR
 * UPDATE, in one transaction), so when several instances start at once one migrates and the
 * others wait, then find nothing left to do.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const migrations = migrationsFor(dialect);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const database = dialect === 'sqlite' ? 'Database' : 'PostgreSQL';
    throw new Error(`${database} migration ${failed} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
