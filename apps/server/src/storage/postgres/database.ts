import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../migrations.js';
import type { PgDatabase } from './schema.js';

/** int8: times and byte counts, all far below 2^53. */
const INT8_OID = 20;

/** pg's own parsers, except int8 as a number. */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID) return (value: string) => Number(value);
  // pg-types declares its parsers as returning `any`.
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

export interface OpenPostgres {
  readonly db: Kysely<PgDatabase>;
  /** Migrations applied by this open (none when another instance got there first). */
  readonly migrated: string[];
  close(): Promise<void>;
}

/** Connects to PostgreSQL (`postgres://...`) and migrates it, under the migrator's lock. */
export async function openPostgres(
  url: string,
  options: { maxConnections?: number } = {},
): Promise<OpenPostgres> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // Fail a query fast when the database is away, rather than hang a request.
    connectionTimeoutMillis: 5_000,
    // 64-bit integers as numbers for this pool only (pg's default is strings).
    types: { getTypeParser: typeParser },
  });
  // An idle client's connection dropping (PostgreSQL restarted) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<PgDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    const migrated = await migrateToLatest(db as Kysely<unknown>, 'postgres');
    return { db, migrated, close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
