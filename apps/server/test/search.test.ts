import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ExecutionRecords,
  InProcessCoordination,
  type OutputLog,
  type OutputSearchIndex,
  RetentionService,
  type RunStore,
  retentionConfigSchema,
  silentLogger,
} from '@ogent/api';
import { describeOutputSearchContract, sampleRecord } from '@ogent/api/testing';
import { ManualClock } from '@ogent/executor';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { openDatabase } from '../src/storage/database.js';
import { FileOutputLog } from '../src/storage/file-output-log.js';
import { OutputFiles } from '../src/storage/output-files.js';
import { SqlOutputSearch } from '../src/storage/output-search.js';
import { openPostgres } from '../src/storage/postgres/database.js';
import { PgOutputLog } from '../src/storage/postgres/output-log.js';
import { SqlRecords } from '../src/storage/records.js';
import { SqlRunStore } from '../src/storage/runs.js';
import {
  type PostgresFixture,
  type RedisFixture,
  type TestStack,
  startPostgres,
  startRedis,
  startTestStack,
  testConfig,
} from '../src/testing/index.js';
import { post, signedIn } from './helpers.js';

/** A real PostgreSQL and Redis for this file; SQLite needs nothing. */
let postgres: PostgresFixture;
let redis: RedisFixture;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([postgres?.stop(), redis?.stop()]);
});

let databases = 0;
/** A new, empty PostgreSQL database: each test gets its own. */
async function freshDatabase(): Promise<string> {
  databases += 1;
  const name = `search_${databases}`;
  const admin = await openPostgres(postgres.url);
  await sql.raw(`create database ${name}`).execute(admin.db);
  await admin.close();
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}

interface SearchStores {
  records: ExecutionRecords;
  log: OutputLog;
  index: OutputSearchIndex;
  runs: RunStore;
  close(): Promise<void>;
}

async function sqliteStores(): Promise<SearchStores> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-search-'));
  const database = await openDatabase(dir);
  const files = await OutputFiles.open(dir);
  const index = new SqlOutputSearch(database.db, 'sqlite');
  return {
    records: new SqlRecords(database.db, index),
    log: new FileOutputLog(database, files),
    index,
    runs: new SqlRunStore(database.db, 'sqlite'),
    close: async () => {
      await files.closeAll();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresStores(): Promise<SearchStores> {
  const opened = await openPostgres(await freshDatabase());
  const index = new SqlOutputSearch(opened.db, 'postgres');
  return {
    records: new SqlRecords(opened.db, index),
    log: new PgOutputLog(opened.db),
    index,
    runs: new SqlRunStore(opened.db, 'postgres'),
    close: () => opened.close(),
  };
}

describeOutputSearchContract('SQLite (FTS5)', sqliteStores);
describeOutputSearchContract('PostgreSQL (tsvector)', postgresStores);

const DAY = 86_400_000;

for (const [name, open] of [
  ['SQLite', sqliteStores],
  ['PostgreSQL', postgresStores],
] as const) {
  describe(`retention on ${name}`, () => {
    it('deletes the indexed text with the output, and with the record', async () => {
      const stores = await open();
      try {
        const clock = new ManualClock();
        const now = clock.now();
        const ids: string[] = [];
        // Ended 400 days ago (record goes), 40 days ago (output goes), 1 day ago (all kept).
        for (const days of [400, 40, 1]) {
          const record = sampleRecord({
            createdAt: now - days * DAY - 1_000,
            status: 'completed',
            exitCode: 0,
            finishedAt: now - days * DAY,
            durationMs: 1,
            outputBytes: 20,
            lastSeq: 1,
            input: `report ${days}`,
          });
          await stores.records.insert(record);
          await stores.log.appendOutput([
            {
              executionId: record.id,
              seq: 1,
              stream: 'stdout',
              data: Buffer.from('kestrel sighted\n'),
              at: record.createdAt,
            },
          ]);
          await stores.log.complete(record.id);
          await stores.index.index(record.id, 'kestrel sighted\n');
          ids.push(record.id);
        }
        const found = async (): Promise<string[]> =>
          (await stores.records.list({ limit: 10, text: 'kestrel' })).items.map((i) => i.id);
        expect((await found()).sort()).toEqual([...ids].sort());

        const retention = new RetentionService({
          records: stores.records,
          log: stores.log,
          runs: stores.runs,
          coordination: new InProcessCoordination(clock),
          config: retentionConfigSchema.parse({ output: '30d', records: '365d' }),
          clock,
          logger: silentLogger,
          instanceId: 'a',
          search: stores.index,
        });
        expect(await retention.prune()).toMatchObject({ outputsPruned: 2, recordsDeleted: 1 });
        // Only the execution whose output is still stored is found by its output.
        expect(await found()).toEqual([ids[2]]);
        // The one whose output went is still listed by its command, with no snippet.
        const byCommand = await stores.records.list({ limit: 10, text: 'report 40' });
        expect(byCommand.items.map((i) => [i.id, i.snippet])).toEqual([[ids[1], null]]);
      } finally {
        await stores.close();
      }
    });
  });
}

for (const [name, open] of [
  ['SQLite', sqliteStores],
  ['PostgreSQL', postgresStores],
] as const) {
  it(`${name} indexes the most the setting allows: 256 KiB of words all different`, async () => {
    const stores = await open();
    try {
      const record = sampleRecord({ status: 'completed', finishedAt: 1, outputBytes: 262_144 });
      await stores.records.insert(record);
      let text = '';
      for (let i = 0; text.length < 262_144 - 16; i += 1) text += `w${i.toString(36)}x `;
      await stores.index.index(record.id, text);
      const last = text.trim().split(' ').at(-1) ?? '';
      const found = await stores.records.list({ limit: 5, text: last });
      expect(found.items.map((i) => i.id)).toEqual([record.id]);
    } finally {
      await stores.close();
    }
  });
}

describe('the search.outputBytes setting', () => {
  const parse = (search: unknown) => {
    const dir = os.tmpdir();
    return () =>
      parseConfig(
        { ...testConfig(undefined, dir, dir), search },
        { source: 'test.yaml', baseDir: dir, env: {} },
      );
  };

  it('is 64 KiB unless set, and 0 turns output search off', () => {
    expect(parse(undefined)().search.outputBytes).toBe(65_536);
    expect(parse({ outputBytes: 0 })().search.outputBytes).toBe(0);
  });

  it.each([
    [{ outputBytes: -1 }, 'search.outputBytes: must be 0 (off) or more'],
    [{ outputBytes: 1024 * 1024 }, 'search.outputBytes: must be at most 262144 (256 KiB)'],
    [{ outputBytes: 1.5 }, 'search.outputBytes: must be a whole number of bytes'],
    [{ outputBytes: '64k' }, 'search.outputBytes: must be a number of bytes'],
    [{ outputbytes: 5 }, 'search'],
  ])('refuses %j, naming the key', (search, message) => {
    expect(parse(search)).toThrow(message);
  });
});

/**
 * What `cat sea.txt` prints: a word in colour early on, a byte that is not UTF-8, then over
 * 4 KiB of filler, then a word past the indexed bound.
 */
const SEA = Buffer.concat([
  Buffer.from('tide table\n\x1b[1;31mzebrafish\x1b[0m spotted near the reef \xff\n', 'latin1'),
  Buffer.from('filler line of plain water\n'.repeat(200)),
  Buffer.from('a narwhal surfaced\n'),
]);

function describeEndToEnd(name: string, extraConfig: () => Promise<Record<string, unknown>>) {
  describe(`history search through the server on ${name}`, () => {
    let stack: TestStack;
    let file: string;
    beforeAll(async () => {
      stack = await startTestStack({
        sshd: false,
        config: { search: { outputBytes: 4096 }, ...(await extraConfig()) },
      });
      file = path.join(stack.fixtureDir, 'sea.txt');
      writeFileSync(file, SEA, { mode: 0o644 });
    }, 120_000);
    afterAll(async () => {
      await stack?.stop();
    });

    it('finds an execution by a word of its output, not by one past the bound, with a snippet', async () => {
      const alice = await signedIn(stack, 'alice');
      try {
        expect(SEA.indexOf('narwhal')).toBeGreaterThan(4096);
        const ran = await post(
          stack,
          '/api/command',
          { target: 'local', command: `cat ${file}` },
          alice.token,
        );
        expect(ran.status).toBe(200);
        expect(String(ran.body.output)).toContain('narwhal');
        const id = String(ran.body.executionId);
        expect(await alice.trpc.exec.searchScope.query()).toEqual({ outputBytes: 4096 });

        // Indexed once it has ended, off the end's path: soon after the answer.
        const found = await vi.waitFor(
          async () => {
            const page = await alice.trpc.exec.list.query({ limit: 10, text: 'Zebrafish reef' });
            expect(page.items.map((i) => i.id)).toEqual([id]);
            return page.items[0];
          },
          { timeout: 10_000, interval: 100 },
        );
        const parts = found?.snippet ?? [];
        expect(parts.filter((p) => p.match).map((p) => p.text.toLowerCase())).toEqual([
          'zebrafish',
          'reef',
        ]);
        const shown = parts.map((p) => p.text).join('');
        // The colour codes are gone; the byte that was not UTF-8 shows as a replacement.
        expect(shown).toContain('zebrafish spotted near the reef');
        expect(shown).not.toContain('\x1b');
        expect(shown.length).toBeLessThanOrEqual(202);
        // Past the first 4096 bytes: not searchable, though the output holds it.
        expect((await alice.trpc.exec.list.query({ limit: 10, text: 'narwhal' })).items).toEqual(
          [],
        );
        // The command still matches by its own text, with no snippet.
        const byCommand = await alice.trpc.exec.list.query({ limit: 10, text: 'sea.txt' });
        expect(byCommand.items.map((i) => [i.id, i.snippet])).toEqual([[id, null]]);
      } finally {
        await alice.close();
      }
    });

    it('follows the listing rules: your own unless your role sees all; pages as the list does', async () => {
      const [alice, bob, admin, viewer] = await Promise.all([
        signedIn(stack, 'alice'),
        signedIn(stack, 'bob'),
        signedIn(stack, 'admin'),
        signedIn(stack, 'viewer'),
      ]);
      try {
        const runs: string[] = [];
        for (let i = 0; i < 3; i += 1) {
          const ran = await post(
            stack,
            '/api/command',
            { target: 'local', command: `cat ${file}` },
            bob.token,
          );
          runs.push(String(ran.body.executionId));
        }
        const bobs = await vi.waitFor(
          async () => {
            const all: string[] = [];
            let cursor: string | null = null;
            do {
              const page = await bob.trpc.exec.list.query({ limit: 2, text: 'zebrafish', cursor });
              expect(page.items.length).toBeLessThanOrEqual(2);
              all.push(...page.items.map((i) => i.id));
              cursor = page.nextCursor;
            } while (cursor !== null);
            expect(all).toHaveLength(3);
            return all;
          },
          { timeout: 10_000, interval: 100 },
        );
        // Newest first, each once: the listing's own order.
        expect(bobs).toEqual([...runs].reverse());
        // Alice finds only her own (from the test before), the viewer nothing, the admin all.
        const aliceFinds = await alice.trpc.exec.list.query({ limit: 50, text: 'zebrafish' });
        expect(aliceFinds.items).toHaveLength(1);
        expect(aliceFinds.items.every((i) => i.username === 'alice')).toBe(true);
        expect(aliceFinds.items.some((i) => runs.includes(i.id))).toBe(false);
        expect((await viewer.trpc.exec.list.query({ limit: 50, text: 'zebrafish' })).items).toEqual(
          [],
        );
        const adminFinds = await admin.trpc.exec.list.query({ limit: 50, text: 'zebrafish' });
        expect(adminFinds.items.map((i) => i.username).sort()).toEqual([
          'alice',
          'bob',
          'bob',
          'bob',
        ]);
        // Asking for someone else's by name changes nothing for a user who may not see them.
        const asked = await alice.trpc.exec.list.query({
          limit: 50,
          text: 'zebrafish',
          username: 'bob',
        });
        expect(asked.items.every((i) => i.username === 'alice')).toBe(true);
      } finally {
        await Promise.all([alice.close(), bob.close(), admin.close(), viewer.close()]);
      }
    });

    it('shows admins stored output and what retention frees next; FORBIDDEN for others', async () => {
      const [alice, admin] = await Promise.all([
        signedIn(stack, 'alice'),
        signedIn(stack, 'admin'),
      ]);
      try {
        const overview = await admin.trpc.storage.overview.query();
        expect(overview).toMatchObject({
          executions: 4,
          outputBytes: 4 * SEA.length,
          maxOutputBytes: null,
          nextPruneFrees: 0,
          retention: { output: '30d', records: '365d', every: '1h' },
          maxOutputBytesPerExecution: 128 * 1024 * 1024,
          outputBytesPerDayPerUser: null,
          searchOutputBytes: 4096,
        });
        expect(overview.nextPruneAt).toBeGreaterThan(Date.now() - 60_000);
        await expect(alice.trpc.storage.overview.query()).rejects.toMatchObject({
          data: { code: 'FORBIDDEN' },
        });
      } finally {
        await Promise.all([alice.close(), admin.close()]);
      }
    });
  });
}

describeEndToEnd('SQLite', () => Promise.resolve({}));
describeEndToEnd('PostgreSQL and Redis', async () => ({
  storage: { databaseUrl: await freshDatabase(), redisUrl: redis.url },
}));
