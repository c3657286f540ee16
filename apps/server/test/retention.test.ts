import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuditTrail,
  type ExecutionRecords,
  InProcessCoordination,
  type OutputLog,
  RetentionService,
  type RunStore,
  retentionConfigSchema,
  silentLogger,
} from '@ogent/api';
import { MemoryAuditStore, sampleRecord, sampleRun } from '@ogent/api/testing';
import { ManualClock } from '@ogent/executor';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { FileOutputLog } from '../src/storage/file-output-log.js';
import { OutputFiles } from '../src/storage/output-files.js';
import { openPostgres } from '../src/storage/postgres/database.js';
import { PgOutputLog } from '../src/storage/postgres/output-log.js';
import { SqlRecords } from '../src/storage/records.js';
import { SqlRunStore } from '../src/storage/runs.js';
import { type PostgresFixture, startPostgres } from '../src/testing/engines.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, request, signedIn } from './helpers.js';

const DAY = 86_400_000;

interface Stores {
  records: ExecutionRecords;
  log: OutputLog;
  runs: RunStore;
  /** Output files left on disk (SQLite), or undefined. */
  files?: () => string[];
  close(): Promise<void>;
}

/** Executions ended 400, 40 and 1 days ago, one still running since 400 days, with output. */
async function seed(stores: Stores, now: number): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, endedDaysAgo] of [
    ['ancient', 400],
    ['old', 40],
    ['recent', 1],
    ['running', null],
  ] as const) {
    const createdAt = now - (endedDaysAgo ?? 400) * DAY - 1_000;
    const record = sampleRecord({
      createdAt,
      ...(endedDaysAgo === null
        ? {}
        : {
            status: 'completed',
            exitCode: 0,
            finishedAt: now - endedDaysAgo * DAY,
            durationMs: 1,
          }),
      outputBytes: 1_000,
      lastSeq: 1,
    });
    await stores.records.insert(record);
    await stores.log.appendOutput([
      {
        executionId: record.id,
        seq: 1,
        stream: 'stdout',
        data: Buffer.alloc(1_000, name[0]),
        at: createdAt,
      },
    ]);
    await stores.log.complete(record.id);
    ids[name] = record.id;
  }
  const run = sampleRun({ status: 'succeeded', finishedAt: now - 400 * DAY, total: 1 });
  await stores.runs.create(run, ['web-1']);
  return ids;
}

function describeRetention(name: string, open: () => Promise<Stores>): void {
  describe(`retention on ${name}`, () => {
    it('prunes old output, then old records and runs, never a running one, and audits it', async () => {
      const stores = await open();
      try {
        const clock = new ManualClock();
        const ids = await seed(stores, clock.now());
        const audit = new MemoryAuditStore();
        const retention = new RetentionService({
          ...stores,
          coordination: new InProcessCoordination(clock),
          config: retentionConfigSchema.parse({ output: '30d', records: '365d' }),
          clock,
          logger: silentLogger,
          instanceId: 'a',
          audit: new AuditTrail(audit, silentLogger),
        });
        expect(await retention.storage()).toMatchObject({
          executions: 4,
          outputBytes: 4_000,
          nextPruneFrees: 2_000,
        });
        const report = await retention.prune();
        // The output of the two that ended over 30 days ago, then the record over 365 days old.
        expect(report).toMatchObject({
          outputsPruned: 2,
          bytesFreed: 2_000,
          recordsDeleted: 1,
          runsDeleted: 1,
        });
        // 400 days: record gone. 40 days: record kept, output gone and said so. 1 day: all kept.
        expect(await stores.records.get(ids.ancient ?? '')).toBeUndefined();
        const old = await stores.records.get(ids.old ?? '');
        expect(old?.outputPrunedAt).toBe(clock.now());
        expect(await stores.log.readOutput(ids.old ?? '', 1, 1 << 20)).toEqual([]);
        expect((await stores.records.get(ids.recent ?? ''))?.outputPrunedAt).toBeNull();
        expect(await stores.log.readOutput(ids.recent ?? '', 1, 1 << 20)).toHaveLength(1);
        // Running for 400 days: never touched.
        expect((await stores.records.get(ids.running ?? ''))?.status).toBe('running');
        expect(await stores.log.readOutput(ids.running ?? '', 1, 1 << 20)).toHaveLength(1);
        expect(stores.files?.().sort()).toEqual(
          stores.files === undefined ? undefined : [ids.recent, ids.running].sort(),
        );
        expect(await stores.runs.list({ limit: 10 })).toEqual({ items: [], nextCursor: null });
        expect(audit.events.map((e) => e.type)).toEqual(['retention.prune']);
        expect(JSON.parse(audit.events[0]?.data ?? '{}')).toMatchObject({ outputsPruned: 2 });

        // Over the cap: the oldest ended output goes first, and only as much as it takes.
        const capped = new RetentionService({
          ...stores,
          coordination: new InProcessCoordination(clock),
          config: retentionConfigSchema.parse({
            output: 'off',
            records: 'off',
            maxOutputBytes: 1_500,
          }),
          clock,
          logger: silentLogger,
          instanceId: 'a',
        });
        expect(await capped.prune()).toMatchObject({ outputsPruned: 1, bytesFreed: 1_000 });
        expect((await stores.records.get(ids.recent ?? ''))?.outputPrunedAt).not.toBeNull();
        // What is left is the running execution's: under the cap now.
        expect(await stores.records.storage()).toEqual({ executions: 3, outputBytes: 1_000 });
      } finally {
        await stores.close();
      }
    });
  });
}

describeRetention('SQLite and files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-retention-'));
  const database = await openDatabase(dir);
  const files = await OutputFiles.open(dir);
  return {
    records: new SqlRecords(database.db),
    log: new FileOutputLog(database, files),
    runs: new SqlRunStore(database.db, 'sqlite'),
    files: () => readdirSync(path.join(dir, 'output')),
    close: async () => {
      await files.closeAll();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let postgres: PostgresFixture;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

describeRetention('PostgreSQL', async () => {
  const opened = await openPostgres(postgres.url);
  return {
    records: new SqlRecords(opened.db),
    log: new PgOutputLog(opened.db),
    runs: new SqlRunStore(opened.db, 'postgres'),
    close: () => opened.close(),
  };
});

describe('quotas', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      sshd: false,
      config: { quotas: { outputBytesPerDay: 2_000, refusalsPerMinute: 3 } },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const countRecords = async (code: string): Promise<number> => {
    const database = await openDatabase(stack.dataDir);
    try {
      const row = await sql<{
        n: number;
      }>`select count(*) as n from executions where refusal_code = ${code}`.execute(database.db);
      return Number(row.rows[0]?.n ?? 0);
    } finally {
      await database.close();
    }
  };

  it('over the output quota: 429 with Retry-After, recorded once, not per attempt', async () => {
    const alice = await signedIn(stack, 'alice');
    // seq 1000 prints 3,893 bytes: over the day's 2,000 once it has ended.
    expect(
      (await post(stack, '/api/command', { target: 'local', command: 'seq 1000' }, alice.token))
        .status,
    ).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      const over = await post(
        stack,
        '/api/command',
        { target: 'local', command: 'echo hi' },
        alice.token,
      );
      expect(over.status).toBe(429);
      expect(over.body.error).toMatch(/3893 bytes of output in the last day; the quota is 2000/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(80_000);
    }
    // Over tRPC too: TOO_MANY_REQUESTS with Retry-After.
    const viaTrpc = await fetch(`${stack.url}/trpc/exec.execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ target: 'local', command: 'echo hi' }),
    });
    expect(viaTrpc.status).toBe(429);
    expect(Number(viaTrpc.headers.get('retry-after'))).toBeGreaterThan(80_000);
    expect(await countRecords('quota_exceeded')).toBe(1);
    // Bob has his own quota.
    const bob = await signedIn(stack, 'bob');
    expect(
      (await post(stack, '/api/command', { target: 'local', command: 'echo hi' }, bob.token))
        .status,
    ).toBe(200);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('over the refusals quota: 429, and the refusals beyond it are not recorded', async () => {
    const bob = await signedIn(stack, 'bob');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (await post(stack, '/api/command', { target: 'local', command: 'rm -rf /' }, bob.token))
          .status,
      );
    }
    expect(statuses).toEqual([403, 403, 403, 429, 429, 429]);
    expect(await countRecords('unknown_command')).toBe(3);
    await bob.close();
  });

  it('shows stored output and what retention frees next in /healthz', async () => {
    const health = await request(stack, '/healthz');
    expect(health.json?.storage).toMatchObject({
      maxOutputBytes: null,
      nextPruneFrees: 0,
    });
    expect((health.json?.storage as { outputBytes: number }).outputBytes).toBeGreaterThanOrEqual(
      3_893,
    );
  });
});
