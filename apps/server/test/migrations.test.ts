import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { openPostgres } from '../src/storage/postgres/database.js';
import { type PostgresFixture, startPostgres } from '../src/testing/engines.js';

/**
 * The schemas the landed code's migrations made (commit 726c111, before SQLite's and PostgreSQL's
 * migrations became one list), with the migrator's records: a database people already have.
 */
const fixture = (name: string): string =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

const directories: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-migrate-'));
  directories.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

/** Every table, index and trigger as SQLite stores its definition, and the migrations applied. */
function sqliteSchema(file: string): unknown {
  const db = new SQLite(file, { readonly: true });
  try {
    return {
      objects: db
        .prepare('select type, name, tbl_name, sql from sqlite_master order by type, name')
        .all(),
      migrations: db.prepare('select name from kysely_migration order by name').all(),
    };
  } finally {
    db.close();
  }
}

describe('SQLite migrations', () => {
  it('open a database the landed code made without change, to the same schema as a fresh one', async () => {
    const landed = dataDir();
    const made = new SQLite(path.join(landed, 'ogent.sqlite'));
    made.exec(fixture('landed-sqlite.sql'));
    made.close();
    const before = sqliteSchema(path.join(landed, 'ogent.sqlite'));

    const upgraded = await openDatabase(landed);
    await upgraded.close();
    const fresh = await openDatabase(dataDir());
    await fresh.close();

    // Nothing shipped runs again: every name the landed code recorded is still a known migration.
    expect(upgraded.migrated).toEqual([]);
    expect(fresh.migrated).toHaveLength(10);
    expect(sqliteSchema(upgraded.file)).toEqual(before);
    expect(sqliteSchema(fresh.file)).toEqual(before);
  });
});

describe('PostgreSQL migrations', () => {
  let postgres: PostgresFixture;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  async function database(name: string): Promise<string> {
    const admin = await openPostgres(postgres.url);
    await sql.raw(`create database ${name}`).execute(admin.db);
    await admin.close();
    return postgres.url.replace(/\/postgres$/, `/${name}`);
  }

  /** pg_dump's schema, without its comments and session settings, and the migrations applied. */
  async function pgSchema(url: string): Promise<unknown> {
    const dump = execFileSync('pg_dump', ['--schema-only', '--no-owner', url], {
      encoding: 'utf8',
    });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('select name from kysely_migration order by name');
      return {
        ddl: dump
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('--') && !line.startsWith('\\')),
        migrations: rows,
      };
    } finally {
      await client.end();
    }
  }

  it('open a database the landed code made without change, to the same schema as a fresh one', async () => {
    const landedUrl = await database('landed');
    const client = new pg.Client({ connectionString: landedUrl });
    await client.connect();
    await client.query(fixture('landed-postgres.sql'));
    await client.end();
    const before = await pgSchema(landedUrl);

    const upgraded = await openPostgres(landedUrl);
    await upgraded.close();
    const freshUrl = await database('fresh');
    const fresh = await openPostgres(freshUrl);
    await fresh.close();

    expect(upgraded.migrated).toEqual([]);
    expect(fresh.migrated).toHaveLength(9);
    const after = await pgSchema(landedUrl);
    expect(after).toEqual(before);
    expect(await pgSchema(freshUrl)).toEqual(before);
  });
});
