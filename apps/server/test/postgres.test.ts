import {
  describeExecutionStoreContract,
  describeAuditStoreContract,
  describeRunStoreContract,
  describeSigningKeyStoreContract,
} from '@ogent/api/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/storage/postgres/database.js';
import { PgOutputLog } from '../src/storage/postgres/output-log.js';
import { PgSigningKeyStore } from '../src/storage/postgres/signing-keys.js';
import { SqlRecords } from '../src/storage/records.js';
import { SqlRunStore } from '../src/storage/runs.js';
import { SqlAuditStore } from '../src/storage/audit.js';
import { type PostgresFixture, startPostgres } from '../src/testing/engines.js';

/** A real PostgreSQL 15, started for this file. */
let postgres: PostgresFixture;

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.stop();
});

/** A fresh, empty schema: each test gets a database of its own. */
let databases = 0;
async function freshDatabase(): Promise<string> {
  databases += 1;
  const name = `contract_${databases}`;
  const admin = await openPostgres(postgres.url);
  await sql.raw(`create database ${name}`).execute(admin.db);
  await admin.close();
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}

describeExecutionStoreContract('PostgreSQL', async () => {
  const opened = await openPostgres(await freshDatabase());
  return {
    records: new SqlRecords(opened.db),
    log: new PgOutputLog(opened.db),
    close: () => opened.close(),
  };
});

describeAuditStoreContract('PostgreSQL', async () => {
  const opened = await openPostgres(await freshDatabase());
  return { store: new SqlAuditStore(opened.db, 'postgres'), close: () => opened.close() };
});

describeRunStoreContract('PostgreSQL', async () => {
  const opened = await openPostgres(await freshDatabase());
  return { store: new SqlRunStore(opened.db, 'postgres'), close: () => opened.close() };
});

describeSigningKeyStoreContract('PostgreSQL', async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
  return {
    stores: [new PgSigningKeyStore(a.db), new PgSigningKeyStore(b.db)],
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});

describe('PostgreSQL migrations', () => {
  it('run once when several instances start at the same moment', async () => {
    const url = await freshDatabase();
    const opened = await Promise.all([1, 2, 3].map(() => openPostgres(url)));
    try {
      // One instance applies every migration; the others find nothing left to do.
      expect(opened.map((o) => o.migrated.length).sort()).toEqual([0, 0, 9]);
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  });
});
