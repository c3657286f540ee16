import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEvent, auditEntry } from '@ogent/api';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openDatabase } from '../src/storage/database.js';
import { SqlAuditStore } from '../src/storage/audit.js';
import { openPostgres } from '../src/storage/postgres/database.js';
import { type PostgresFixture, startPostgres } from '../src/testing/engines.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, request, signedIn } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm run audit:verify -- --config FILE`, as an operator runs it: the built server. */
function verify(configFile: string): { status: number | null; out: string } {
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'dist/main.js'), 'audit-verify', '--config', configFile],
    { cwd: root, encoding: 'utf8' },
  );
  return { status: result.status, out: result.stdout + result.stderr };
}

/** A config file for the CLI: the storage, and the least the schema needs. */
function configFile(dir: string, storage: Record<string, unknown>): string {
  const file = path.join(dir, 'verify.yaml');
  writeFileSync(
    file,
    stringify({
      server: { dataDir: dir },
      roles: {},
      targets: [{ id: 'local', transport: 'local' }],
      commands: {},
      ...(Object.keys(storage).length === 0 ? {} : { storage }),
    }),
  );
  return file;
}

function lines(text: string): AuditEvent[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);
}

/**
 * Edits, deletes and reorders rows of a trail of 10 events; after each, verify names the event
 * where the chain breaks, and after undoing it the trail verifies whole again.
 */
async function tamperingIsCaught(db: Kysely<unknown>, file: string): Promise<void> {
  expect(verify(file)).toMatchObject({
    status: 0,
    out: expect.stringMatching(/whole: \d+ events/) as string,
  });
  const read = async (id: number) =>
    (
      await sql<{
        data: string;
        subject: string;
      }>`select data, subject from audit_events where id = ${id}`.execute(db)
    ).rows[0];

  // An edit: someone rewrites what was typed.
  const original = await read(3);
  await sql`update audit_events set data = ${'{"input":"ls"}'} where id = 3`.execute(db);
  let result = verify(file);
  expect(result.status).toBe(1);
  expect(result.out).toMatch(/broken at event #3: event 3 was changed/);
  await sql`update audit_events set data = ${original?.data} where id = 3`.execute(db);
  expect(verify(file).status).toBe(0);

  // A deletion in the middle.
  const saved = (
    await sql<Record<string, unknown>>`select * from audit_events where id = 5`.execute(db)
  ).rows[0];
  await sql`delete from audit_events where id = 5`.execute(db);
  result = verify(file);
  expect(result.status).toBe(1);
  expect(result.out).toMatch(/broken at event #5: event 5 is missing \(event 6 follows event 4\)/);

  // The deletion covered up by renumbering the rest: the links do not match.
  // Through negative ids: a unique key is checked row by row.
  await sql`update audit_events set id = -id where id > 5`.execute(db);
  await sql`update audit_events set id = -id - 1 where id < 0`.execute(db);
  result = verify(file);
  expect(result.status).toBe(1);
  expect(result.out).toMatch(/broken at event #5: event 5 does not follow event 4/);
  await sql`update audit_events set id = -id where id >= 5`.execute(db);
  await sql`update audit_events set id = -id + 1 where id < 0`.execute(db);
  await sql`insert into audit_events (id, at, type, actor, address, subject, data, prev_hash, hash)
    values (${saved?.id}, ${saved?.at}, ${saved?.type}, ${saved?.actor}, ${saved?.address}, ${saved?.subject}, ${saved?.data}, ${saved?.prev_hash}, ${saved?.hash})`.execute(
    db,
  );
  expect(verify(file).status).toBe(0);

  // Two events swapped.
  await sql`update audit_events set id = -7 where id = 7`.execute(db);
  await sql`update audit_events set id = 7 where id = 8`.execute(db);
  await sql`update audit_events set id = 8 where id = -7`.execute(db);
  result = verify(file);
  expect(result.status).toBe(1);
  expect(result.out).toMatch(/broken at event #7: event 7 does not follow event 6/);
  await sql`update audit_events set id = -7 where id = 7`.execute(db);
  await sql`update audit_events set id = 7 where id = 8`.execute(db);
  await sql`update audit_events set id = 8 where id = -7`.execute(db);
  expect(verify(file).status).toBe(0);

  // The last events deleted: the head still names them.
  await sql`delete from audit_events where id >= 9`.execute(db);
  result = verify(file);
  expect(result.status).toBe(1);
  expect(result.out).toMatch(/broken at event #9: events 9 to \d+ are missing/);
}

describe('the audit trail of a running server (SQLite)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sshd: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('records sign-ins, attempts, ends and cancels, streams them to admins, and verifies', async () => {
    expect(
      (await post(stack, '/api/auth/login', { username: 'alice', password: 'wrong-password' }))
        .status,
    ).toBe(401);
    const alice = await signedIn(stack, 'alice');
    const allowed = await post(
      stack,
      '/api/command',
      { target: 'local', command: 'echo audited' },
      alice.token,
    );
    expect(allowed.status).toBe(200);
    const refused = await post(
      stack,
      '/api/command',
      { target: 'local', command: 'echo a; id' },
      alice.token,
    );
    expect(refused.status).toBe(403);
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    await alice.trpc.exec.cancel.mutate({ executionId });
    await alice.close();

    const admin = await signedIn(stack, 'admin');
    const all = await request(stack, '/api/audit', {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const events = lines(all.text);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const summary = events.map((e) => [e.type, e.actor, e.subject]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['auth.sign_in_failed', null, 'alice'],
        ['auth.sign_in', 'alice', 'alice'],
        ['execution.attempt', 'alice', allowed.body.executionId],
        ['execution.end', 'alice', allowed.body.executionId],
        ['execution.attempt', 'alice', refused.body.executionId],
        ['execution.cancel', 'alice', executionId],
      ]),
    );
    const attempt = events.find(
      (e) => e.type === 'execution.attempt' && e.subject === refused.body.executionId,
    );
    expect(attempt?.data).toMatchObject({
      decision: 'refused',
      input: 'echo a; id',
      refusalCode: 'shell_syntax',
    });
    expect(attempt?.address).toBe('127.0.0.1');

    // Resumable: after the id a collector confirmed.
    const rest = lines(
      (
        await request(stack, `/api/audit?after=${events[2]?.id}`, {
          headers: { authorization: `Bearer ${admin.token}` },
        })
      ).text,
    );
    expect(rest).toEqual(events.slice(3).concat(rest.slice(events.length - 3)));
    expect(rest[0]?.id).toBe(4);

    // Admins only; and over tRPC too.
    const forAlice = await request(stack, '/api/audit', {
      headers: { authorization: `Bearer ${(await signedIn(stack, 'alice')).token}` },
    });
    expect(forAlice.status).toBe(403);
    expect(await admin.trpc.audit.verify.query()).toMatchObject({ intact: true });
    await admin.close();
  });

  it('`audit-verify` finds an edit, a deletion, a reorder and a truncation in SQLite', async () => {
    await stack.server.close();
    const file = configFile(stack.dataDir, {});
    const database = await openDatabase(stack.dataDir);
    try {
      await tamperingIsCaught(database.db as unknown as Kysely<unknown>, file);
    } finally {
      await database.close();
    }
  }, 120_000);
});

describe('the audit trail in PostgreSQL', () => {
  let postgres: PostgresFixture;
  let dir: string;
  beforeAll(async () => {
    postgres = await startPostgres();
    dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-audit-pg-'));
  });
  afterAll(async () => {
    await postgres?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('`audit-verify` finds an edit, a deletion, a reorder and a truncation', async () => {
    const opened = await openPostgres(postgres.url);
    try {
      const store = new SqlAuditStore(opened.db, 'postgres');
      for (let i = 0; i < 12; i += 1) {
        await store.append([
          auditEntry({
            type: 'execution.attempt',
            at: Date.now(),
            actor: 'alice',
            address: '127.0.0.1',
            subject: `e-${i}`,
            data: { input: `echo ${i}` },
          }),
        ]);
      }
      // The CLI reads only the database; cluster mode's config needs both URLs.
      const file = configFile(dir, { databaseUrl: postgres.url, redisUrl: 'redis://127.0.0.1:1' });
      await tamperingIsCaught(opened.db as unknown as Kysely<unknown>, file);
    } finally {
      await opened.close();
    }
  }, 120_000);
});
