import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  /** The same connection without Kysely, for the one statement hot enough to prepare once. */
  readonly sqlite: SQLite.Database;
  readonly file: string;
  /** Migrations applied by this open. */
  readonly migrated: string[];
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the SQLite database in dataDir and migrates it. WAL mode: readers
 * (history, replays) never wait for the output writer; synchronous=NORMAL: a power cut may lose
 * the last moments of output, never corrupt the file.
 */
export async function openDatabase(dataDir: string): Promise<OpenDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'ogent.sqlite');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrated = await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  return { db, sqlite, file, migrated, close: () => db.destroy() };
}
