import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type TestStack, openDatabase, startTestStack } from '@ogent/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freshHome, killOgents, ogent, spawnOgent, tokenFor } from './helpers.js';

let stack: TestStack;
let home: ReturnType<typeof freshHome>;
/** The environment of `ogent` signed in as each user. */
let as: { admin: NodeJS.ProcessEnv; alice: NodeJS.ProcessEnv };
let file: string;

beforeAll(async () => {
  stack = await startTestStack({ sshd: false, config: { search: { outputBytes: 4096 } } });
  home = freshHome();
  const [admin, alice] = await Promise.all([
    tokenFor(stack.url, 'admin'),
    tokenFor(stack.url, 'alice'),
  ]);
  as = {
    admin: { ...home.env, OGENT_URL: stack.url, OGENT_TOKEN: admin },
    alice: { ...home.env, OGENT_URL: stack.url, OGENT_TOKEN: alice },
  };
  file = path.join(stack.fixtureDir, 'sea.txt');
  writeFileSync(
    file,
    `tide table\n\x1b[32mzebrafish\x1b[0m spotted near the reef\n${'filler\n'.repeat(700)}a narwhal\n`,
    { mode: 0o644 },
  );
});

afterEach(killOgents);

afterAll(async () => {
  await stack?.stop();
  home?.remove();
});

const lines = (out: Buffer): string[] => out.toString().split('\n').filter(Boolean);

describe('ogent history --grep', () => {
  it('finds executions by a word of their output, with the output around it', async () => {
    const ran = await fetch(`${stack.url}/api/command`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${as.alice.OGENT_TOKEN}`,
      },
      body: JSON.stringify({ target: 'local', command: `cat ${file}` }),
    });
    const { executionId } = (await ran.json()) as { executionId: string };

    // The output is indexed once the execution has ended: moments after the answer.
    const result = await vi.waitFor(
      async () => {
        const found = await ogent(['history', '--grep', 'Zebrafish'], as.alice);
        expect(lines(found.stdout)).toHaveLength(3);
        return found;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(result.status).toBe(0);
    const [header, row, snippet] = lines(result.stdout);
    expect(header).toMatch(/^WHEN \(UTC\)\s+ID\s+USER/);
    expect(row).toContain(executionId);
    expect(row).toContain(`cat ${file}`);
    // Not a terminal: plain text, colour codes gone, indented under its execution.
    expect(snippet).toMatch(/^ {4}.*zebrafish spotted near the reef/);
    expect(snippet).not.toContain('\x1b');

    const json = await ogent(['history', '--grep', 'zebrafish', '--json'], as.alice);
    const [record] = lines(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(record).toMatchObject({
      id: executionId,
      snippet: expect.arrayContaining([{ text: 'zebrafish', match: true }]) as unknown,
    });

    // Past the first 4096 bytes of the output, and another user's view: nothing.
    expect(lines((await ogent(['history', '--grep', 'narwhal'], as.alice)).stdout)).toHaveLength(1);
    const admins = await ogent(['history', '--grep', 'zebrafish', '--user', 'bob'], as.admin);
    expect(lines(admins.stdout)).toHaveLength(1);
  });
});

describe('ogent audit', () => {
  it('list prints the trail as JSON lines, from an id on', async () => {
    const all = await ogent(['audit', 'list'], as.admin);
    expect(all.status).toBe(0);
    const events = lines(all.stdout).map(
      (l) => JSON.parse(l) as { id: number; type: string; data: unknown; hash: string },
    );
    expect(events.length).toBeGreaterThan(3);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toContain('auth.sign_in');
    // `data` as an object, as GET /api/audit sends it.
    expect(typeof events[0]?.data).toBe('object');
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);

    const rest = await ogent(['audit', 'list', '--after', '2'], as.admin);
    expect(lines(rest.stdout).map((l) => (JSON.parse(l) as { id: number }).id)[0]).toBe(3);
  });

  it('list --follow prints new events as they are recorded, until Ctrl+C', async () => {
    const before = lines((await ogent(['audit', 'list'], as.admin)).stdout).length;
    const received: string[] = [];
    const child = spawnOgent(['audit', 'list', '--follow', '--after', String(before)], as.admin, {
      onStdout: (chunk) => received.push(chunk.toString()),
    });
    // A failed sign-in is an audit event.
    await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'not-her-password' }),
    });
    await vi.waitFor(() => expect(received.join('')).toContain('"auth.sign_in_failed"'), {
      timeout: 10_000,
      interval: 100,
    });
    const [first] = lines(Buffer.from(received.join('')));
    expect(JSON.parse(first ?? '{}')).toMatchObject({ id: before + 1 });
    child.kill('SIGINT');
    expect((await child.finished).status).toBe(130);
  });

  it('refuses a user without the audit role, on one line', async () => {
    for (const args of [
      ['audit', 'verify'],
      ['audit', 'list'],
    ]) {
      const result = await ogent(args, as.alice);
      expect(result.status).toBe(1);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr.toString()).toMatch(/^ogent: .*`audit: true`.*\n$/);
    }
  });

  it('verify exits 0 with a summary when the chain is whole, 1 naming the first broken link', async () => {
    const whole = await ogent(['audit', 'verify'], as.admin);
    expect(whole.status).toBe(0);
    expect(whole.stdout.toString()).toMatch(
      /^The audit trail is whole: \d+ events, the last #\d+ \(sha256 [0-9a-f]{64}\)\.\n$/,
    );

    // Someone with the database file edits event 3.
    const database = await openDatabase(stack.dataDir);
    try {
      await database.db
        .updateTable('audit_events')
        .set({ actor: 'mallory' })
        .where('id', '=', 3)
        .execute();
    } finally {
      await database.close();
    }
    const broken = await ogent(['audit', 'verify'], as.admin);
    expect(broken.status).toBe(1);
    expect(broken.stdout.toString()).toMatch(/^The audit trail is broken at event #3: .+\.\n$/);
  });
});
