/**
 * Measures the operations work of issue 14 on this machine's SQLite and files: pruning 100,000
 * ended executions (their output files and index rows, then their records), and appending
 * audit events with the hash chain on (group commit, as the server does). Prints the figures.
 *
 *   npx tsx scripts/measure-operations.ts [COUNT]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuditTrail,
  InProcessCoordination,
  RetentionService,
  auditEntry,
  retentionConfigSchema,
  silentLogger,
  verifyAuditStore,
} from '@ogent/api';
import { ManualClock } from '@ogent/executor';
import { SqlAuditStore } from '../src/storage/audit.js';
import { openDatabase } from '../src/storage/database.js';
import { FileOutputLog } from '../src/storage/file-output-log.js';
import { OutputFiles } from '../src/storage/output-files.js';
import { SqlRecords } from '../src/storage/records.js';
import { SqlRunStore } from '../src/storage/runs.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const DAY = 86_400_000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-measure-'));
const database = await openDatabase(dir);
const files = await OutputFiles.open(dir);
const records = new SqlRecords(database.db);
const log = new FileOutputLog(database, files);
const clock = new ManualClock();
try {
  // COUNT executions that ended 40 days ago, each with 200 bytes of output in its own file.
  let started = performance.now();
  const ended = clock.now() - 40 * DAY;
  for (let from = 0; from < COUNT; from += 500) {
    const batch = Array.from({ length: Math.min(500, COUNT - from) }, (_, i) => {
      const n = from + i;
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    });
    await database.db
      .insertInto('executions')
      .values(
        batch.map((id) => ({
          id,
          username: 'alice',
          target: 'web-1',
          input: 'uptime',
          decision: 'allowed' as const,
          rule: 'commands.uptime',
          refusal_code: null,
          reason: null,
          argv: '["/usr/bin/uptime"]',
          status: 'completed',
          exit_code: 0,
          signal: null,
          error: null,
          error_code: null,
          created_at: ended - 1_000,
          finished_at: ended,
          duration_ms: 5,
          output_bytes: 200,
          last_seq: 1,
          truncated: 0,
          output_pruned_at: null,
          run_id: null,
          idempotency_key: null,
          source: 'http' as const,
        })),
      )
      .execute();
    await log.appendOutput(
      batch.map((executionId) => ({
        executionId,
        seq: 1,
        stream: 'stdout' as const,
        data: Buffer.alloc(200, 'x'),
        at: clock.now(),
      })),
    );
    await Promise.all(batch.map((id) => log.complete(id)));
  }
  const seeded = performance.now() - started;

  const retention = (config: object): RetentionService =>
    new RetentionService({
      records,
      log,
      runs: new SqlRunStore(database.db, 'sqlite'),
      coordination: new InProcessCoordination(clock),
      config: retentionConfigSchema.parse(config),
      clock,
      logger: silentLogger,
      instanceId: 'measure',
    });
  started = performance.now();
  const outputs = await retention({ output: '30d', records: 'off' }).prune();
  const outputMs = performance.now() - started;
  started = performance.now();
  const removed = await retention({ output: '30d', records: '31d' }).prune();
  const recordsMs = performance.now() - started;

  // The audit trail: COUNT events recorded one by one, as the server's callers do.
  const audit = new SqlAuditStore(database.db, 'sqlite');
  const trail = new AuditTrail(audit, silentLogger);
  started = performance.now();
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      trail.record(
        auditEntry({
          type: 'execution.attempt',
          at: clock.now(),
          actor: 'alice',
          address: '127.0.0.1',
          subject: `e-${i}`,
          data: { target: 'web-1', input: 'uptime', decision: 'allowed', rule: 'commands.uptime' },
        }),
      ),
    ),
  );
  const auditMs = performance.now() - started;
  started = performance.now();
  const check = await verifyAuditStore(audit);
  const verifyMs = performance.now() - started;

  const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000)}/s`;
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  say(`seeded ${COUNT} ended executions with output files in ${(seeded / 1000).toFixed(1)} s`);
  say(
    `pruned the output of ${outputs?.outputsPruned} executions (${outputs?.bytesFreed} bytes, ${COUNT} files) in ${(outputMs / 1000).toFixed(2)} s (${rate(COUNT, outputMs)})`,
  );
  say(
    `deleted ${removed?.recordsDeleted} records in ${(recordsMs / 1000).toFixed(2)} s (${rate(COUNT, recordsMs)})`,
  );
  say(
    `audit: ${COUNT} events chained and stored in ${(auditMs / 1000).toFixed(2)} s (${rate(COUNT, auditMs)})`,
  );
  say(
    `audit: verified ${check.intact ? check.events : 'BROKEN'} events in ${(verifyMs / 1000).toFixed(2)} s (${rate(COUNT, verifyMs)})`,
  );
} finally {
  await files.closeAll();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
