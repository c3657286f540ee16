import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type SshdFixture,
  type SshdFleet,
  freePort,
  pgrep,
  pkill,
  startSshd,
  startSshdFleet,
} from '@ogent/executor/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunProgressEvent, TokenService } from '@ogent/api';
import { stringify } from 'yaml';
import {
  type NginxFixture,
  type PostgresFixture,
  type RedisFixture,
  startNginx,
  startPostgres,
  startRedis,
} from '../src/testing/engines.js';
import { openPostgres } from '../src/storage/postgres/database.js';
import { PgSigningKeyStore } from '../src/storage/postgres/signing-keys.js';
import { EMIT_SCRIPT, type TestStack, testConfig } from '../src/testing/index.js';
import { launchServer, post, request, signedIn, trpcError, watch } from './helpers.js';

/**
 * Cluster mode with the real engines: a PostgreSQL 15, a redis-server and Debian's nginx started
 * for this file, three server processes sharing them (A and B behind nginx, C reached directly),
 * and the real sshd target.
 */

const LEASE_TTL_MS = 4_000;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** Its config file: a relaunch comes back on the same port. */
  readonly configFile: string;
}

let postgres: PostgresFixture;
let redis: RedisFixture;
let sshd: SshdFixture;
let nginx: NginxFixture;
let fleet: SshdFleet;
let dir: string;
const instances = new Map<string, Instance>();

/** A place to reach: an instance by name, or nginx. */
const at = (where: string): TestStack =>
  ({ url: where === 'nginx' ? nginx.url : instances.get(where)?.url }) as TestStack;

async function launch(name: string, extra: Record<string, unknown> = {}): Promise<Instance> {
  const previous = instances.get(name)?.configFile;
  let file = previous;
  if (file === undefined) {
    const dataDir = mkdtempSync(path.join(dir, `${name}-`));
    const config = testConfig(sshd, sshd.dir, dataDir);
    file = path.join(dataDir, 'config.yaml');
    writeFileSync(
      file,
      stringify({
        ...config,
        targets: [
          ...config.targets,
          ...fleet.targets.map((t) => ({ ...t, labels: { role: 'fleet' } })),
        ],
        server: {
          ...config.server,
          port: await freePort(),
          logLevel: 'warn',
          trustedProxies: ['127.0.0.1'],
        },
        cluster: { instanceId: name, leaseTtlMs: LEASE_TTL_MS },
        ...extra,
      }),
    );
  }
  const started = await launchServer(file, {
    OGENT_DATABASE_URL: postgres.url,
    OGENT_REDIS_URL: redis.url,
  });
  const instance = { name, configFile: file, ...started };
  instances.set(name, instance);
  return instance;
}

/** SIGKILL, then the same instance again on the same port. */
async function killAndRelaunch(name: string): Promise<void> {
  const instance = instances.get(name);
  if (instance === undefined) throw new Error(`no instance ${name}`);
  const exited = new Promise((resolve) => instance.process.once('exit', resolve));
  instance.process.kill('SIGKILL');
  await exited;
  await launch(name);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-cluster-'));
  [postgres, redis, sshd, fleet] = await Promise.all([
    startPostgres(),
    startRedis(),
    startSshd(),
    startSshdFleet({ count: 24, idPrefix: 'fleet' }),
  ]);
  writeFileSync(path.join(sshd.dir, 'emit.sh'), EMIT_SCRIPT, { mode: 0o755 });
  // The first migrates; the others find the schema ready (or wait on the migration lock).
  await launch('A');
  await Promise.all([launch('B'), launch('C')]);
  const upstreams = ['A', 'B'].map((name) => new URL(instances.get(name)?.url ?? '').host);
  nginx = await startNginx({
    upstreams,
    siteConfig: path.join(root, '../../deploy/nginx/ogent-locations.conf'),
    webRoot: path.join(root, '../web/dist'),
  });
}, 120_000);

afterAll(async () => {
  for (const instance of instances.values()) instance.process.kill('SIGKILL');
  // Only this file's script: other suites' tests run as the same user at the same time.
  if (sshd !== undefined) pkill(sshd.username, path.join(sshd.dir, 'emit.sh'));
  await Promise.allSettled([
    nginx?.stop(),
    redis?.stop(),
    postgres?.stop(),
    sshd?.stop(),
    fleet?.stop(),
  ]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const seqOutput = (n: number): string => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');

describe('instances that share PostgreSQL and Redis', () => {
  it('round-robin through nginx; /healthz names the instance and its backends', async () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 6; i += 1) {
      const health = await request(at('nginx'), '/healthz');
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ backends: { database: 'ok', redis: 'ok' } });
      seen.add(health.json?.instance);
    }
    expect([...seen].sort()).toEqual(['A', 'B']);
  });

  it('a token issued by one instance is accepted by every other', async () => {
    const alice = await signedIn(at('A'), 'alice');
    for (const where of ['B', 'C', 'nginx']) {
      const validated = await post(at(where), '/api/auth/validate', {}, alice.token);
      expect(validated.body).toMatchObject({ valid: true, user: { username: 'alice' } });
    }
    await alice.close();
  });

  it('rotating the signing key signs nobody out, and every instance takes up the new key', async () => {
    const alice = await signedIn(at('A'), 'alice');
    const output = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/main.ts'),
        'rotate-signing-key',
        '--config',
        instances.get('B')?.configFile ?? '',
      ],
      {
        cwd: root,
        env: { ...process.env, OGENT_DATABASE_URL: postgres.url, OGENT_REDIS_URL: redis.url },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(output).toMatch(/^New signing key [0-9a-f-]{36} is current\.$/m);
    // A token signed with the new key (by whichever instance took it up first) is accepted on
    // every instance; the token signed before the rotation too.
    const database = await openPostgres(postgres.url);
    const rotated = await new PgSigningKeyStore(database.db).keys().finally(() => database.close());
    expect(rotated).toHaveLength(2);
    const elsewhere = await TokenService.create({ keys: rotated, ttl: '1h' });
    // Signed for alice's session: a token is good only for a session that is live.
    const { token } = await elsewhere.issue('alice', [], {
      id: String(decodeJwt(alice.token).sid),
    });
    for (const where of ['A', 'B', 'C']) {
      for (const t of [token, alice.token]) {
        const validated = await post(at(where), '/api/auth/validate', {}, t);
        expect(validated.body).toMatchObject({ valid: true, user: { username: 'alice' } });
      }
    }
    await alice.close();
  });

  it('a run owned by A, watched through nginx, arrives byte-exact across 20 socket drops', async () => {
    const owner = await signedIn(at('A'), 'alice');
    const viaNginx = await signedIn(at('nginx'), 'alice');
    const n = 1_500_000;
    const { executionId } = await owner.trpc.exec.execute.mutate({
      target: 'web-1',
      command: `seq 1 ${n}`,
    });
    let drops = 0;
    let messages = 0;
    const result = await watch(viaNginx, executionId, {
      onMessage: () => {
        messages += 1;
        if (drops < 20 && messages % 2 === 0) {
          drops += 1;
          viaNginx.dropConnection();
        }
      },
    });
    expect(drops).toBe(20);
    expect(result.end).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(sha(result.stdout)).toBe(sha(seqOutput(n)));
    // Each event once, in order, whatever instance served it.
    const seqs = result.ids.map(Number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await Promise.all([owner.close(), viaNginx.close()]);
  });

  it('a cancel sent to B stops a run owned by A, and leaves nothing on the target', async () => {
    const onA = await signedIn(at('A'), 'bob');
    const onB = await signedIn(at('B'), 'bob');
    const seconds = String(8_000_000 + Math.floor(Math.random() * 1_000_000));
    const { executionId } = await onA.trpc.exec.execute.mutate({
      target: 'web-1',
      command: `sleep ${seconds}`,
    });
    const sleeping = `^/bin/sleep -- ${seconds}$`;
    await vi.waitFor(() => expect(pgrep(sshd.username, sleeping)).toHaveLength(1), {
      timeout: 10_000,
    });
    const watching = watch(onB, executionId);
    expect(await onB.trpc.exec.cancel.mutate({ executionId })).toMatchObject({ cancelled: true });
    expect((await watching).end).toMatchObject({ status: 'cancelled' });
    await vi.waitFor(() => expect(pgrep(sshd.username, sleeping)).toEqual([]), {
      timeout: 10_000,
    });
    await Promise.all([onA.close(), onB.close()]);
  });

  it('holds the per-user limit across instances', async () => {
    const admin = await Promise.all(['A', 'B'].map((name) => signedIn(at(name), 'admin')));
    const ids: string[] = [];
    try {
      // limits.maxConcurrentPerUser is 8: four on each instance.
      for (let i = 0; i < 8; i += 1) {
        const client = admin[i % 2];
        if (client === undefined) throw new Error('no client');
        const { executionId } = await client.trpc.exec.execute.mutate({
          target: 'local',
          command: 'sleep 600',
        });
        ids.push(executionId);
      }
      for (const client of admin) {
        const refused = await trpcError(
          client.trpc.exec.execute.mutate({ target: 'local', command: 'sleep 600' }),
        );
        expect(refused.code).toBe('TOO_MANY_REQUESTS');
      }
    } finally {
      for (const id of ids) await admin[0]?.trpc.exec.cancel.mutate({ executionId: id });
      await Promise.all(admin.map((c) => c.close()));
    }
  });

  it('shares the sign-in throttle: guesses spread over instances are counted together', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const where = i % 2 === 0 ? 'A' : 'B';
      const { status } = await post(at(where), '/api/auth/login', {
        username: 'viewer',
        password: `wrong-${i}`,
      });
      answers.push(status);
    }
    // Five free failures (auth.maxLoginFailures), the sixth sets a delay: then 429 anywhere.
    expect(answers.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(answers.slice(6)).toEqual([429, 429]);
  });

  it('redis-server restarted mid-run: the watcher gets every line once, the run completes', async () => {
    const owner = await signedIn(at('A'), 'alice');
    const viaNginx = await signedIn(at('nginx'), 'alice');
    const { executionId } = await owner.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 60 1',
    });
    let restarted: Promise<void> | undefined;
    const result = await watch(viaNginx, executionId, {
      onMessage: (message) => {
        if (restarted === undefined && message.type === 'output' && message.seq >= 10) {
          restarted = redis.restart();
        }
      },
    });
    await restarted;
    expect(result.end).toMatchObject({ status: 'completed', exitCode: 0 });
    const lines = result.stdout.toString().trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => `out ${i + 1}`));
    await Promise.all([owner.close(), viaNginx.close()]);
  });

  it("SIGKILL of the instances a client's WebSocket goes through, mid-stream: every byte once", async () => {
    const owner = await signedIn(at('C'), 'alice');
    const viaNginx = await signedIn(at('nginx'), 'alice');
    const { executionId } = await owner.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 150 1',
    });
    // Whichever of A and B holds the socket, it is killed: A, then B, each back on its port.
    const kills: Promise<void>[] = [];
    const result = await watch(viaNginx, executionId, {
      onMessage: (message) => {
        if (message.type !== 'output') return;
        if (kills.length === 0 && message.seq >= 10) kills.push(killAndRelaunch('A'));
        if (kills.length === 1 && message.seq >= 70) kills.push(killAndRelaunch('B'));
      },
    });
    await Promise.all(kills);
    expect(kills).toHaveLength(2);
    expect(result.end).toMatchObject({ status: 'completed', exitCode: 0 });
    const lines = result.stdout.toString().trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 150 }, (_, i) => `out ${i + 1}`));
    await Promise.all([owner.close(), viaNginx.close()]);
  });

  it('PostgreSQL away: new commands get 503; a running one waits, then completes with all its output', async () => {
    const owner = await signedIn(at('A'), 'alice');
    const other = await signedIn(at('B'), 'alice');
    const viaNginx = await signedIn(at('nginx'), 'alice');
    const { executionId } = await owner.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 40 1',
    });
    const emitting = `${path.join(sshd.dir, 'emit.sh')} 40 1$`;
    let paused = false;
    let refused: Promise<{ code: string; message: string }> | undefined;
    const watching = watch(viaNginx, executionId, {
      onMessage: (message) => {
        if (!paused && message.type === 'output' && message.seq >= 5) {
          paused = true;
          postgres.pause();
          refused = trpcError(other.trpc.exec.execute.mutate({ target: 'local', command: 'true' }));
        }
      },
    });
    await vi.waitFor(() => expect(refused).toBeDefined(), { timeout: 20_000 });
    expect(await refused).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Storage is unreachable, so the command was not run. Try again in a moment.',
    });
    // Away until the command has printed everything on the target: its output waits (nothing is
    // dropped), then goes on.
    try {
      expect(pgrep(sshd.username, emitting)).toHaveLength(1);
      await vi.waitFor(() => expect(pgrep(sshd.username, emitting)).toEqual([]), {
        timeout: 20_000,
      });
    } finally {
      postgres.resume();
    }
    const result = await watching;
    const expected = Array.from({ length: 40 }, (_, i) => `out ${i + 1}`);
    expect(result.end).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(result.stdout.toString().trimEnd().split('\n')).toEqual(expected);
    // And history has every line: a fresh watch reads it all from PostgreSQL.
    const replay = await watch(other, executionId);
    expect(replay.stdout.toString().trimEnd().split('\n')).toEqual(expected);
    await Promise.all([owner.close(), other.close(), viaNginx.close()]);
  });

  it('a fleet run spreads its hosts over the instances and outlives the one that started it', async () => {
    const onC = await signedIn(at('C'), 'alice');
    const viaA = await signedIn(at('A'), 'alice');
    const { runId } = await onC.trpc.runs.start.mutate({
      command: 'sleep 2',
      selector: 'role=fleet',
      concurrency: 6,
    });
    // Every instance takes its share of the window.
    await vi.waitFor(
      async () => {
        const run = await viaA.trpc.runs.byId.query({ runId });
        const owners = new Set(run.hosts.flatMap((h) => (h.instance === null ? [] : [h.instance])));
        expect([...owners].sort()).toEqual(['A', 'B', 'C']);
      },
      { timeout: 15_000, interval: 200 },
    );
    // The instance that started the run dies, with the hosts it was running.
    const killed = await viaA.trpc.runs.byId.query({ runId });
    const onKilled = killed.hosts.filter((h) => h.instance === 'C' && h.status === 'running');
    await killAndRelaunch('C');
    let run = await viaA.trpc.runs.byId.query({ runId });
    await vi.waitFor(
      async () => {
        run = await viaA.trpc.runs.byId.query({ runId });
        expect(run.status).not.toBe('running');
      },
      { timeout: 60_000, interval: 250 },
    );
    // Every host accounted for: the ones C was running failed as interrupted, the rest ran.
    expect(run.summary.total).toBe(24);
    expect(run.summary.pending + run.summary.running).toBe(0);
    expect(run.summary.succeeded + run.summary.failed).toBe(24);
    for (const host of run.hosts) {
      if (onKilled.some((h) => h.target === host.target)) {
        expect(host).toMatchObject({ status: 'failed', executionStatus: 'interrupted' });
      } else {
        expect(host.status, `${host.target}: ${JSON.stringify(host.error)}`).toBe('succeeded');
      }
    }
    expect(new Set(run.hosts.map((h) => h.instance)).size).toBeGreaterThanOrEqual(2);
    await Promise.all([onC.close(), viaA.close()]);
  }, 120_000);

  it("a fleet run's host end reaches a watcher on another instance within the bus latency", async () => {
    // D looks at runs only every ten minutes: a change can reach its watcher only on the feed.
    await launch('D', { runs: { tickMs: 600_000 } });
    const onA = await signedIn(at('A'), 'alice');
    const onD = await signedIn(at('D'), 'alice');
    try {
      const { runId } = await onA.trpc.runs.start.mutate({
        command: 'sleep 2',
        targets: fleet.targets.slice(0, 4).map((t) => t.id),
        concurrency: 4,
      });
      const seenRunning = new Set<string>();
      const delays = new Map<string, number>();
      const end = await new Promise<RunProgressEvent>((resolve, reject) => {
        // Far less than D's tick: without the feed, D's watcher would wait for it.
        const timer = setTimeout(() => reject(new Error('the run end never reached D')), 20_000);
        const subscription = onD.trpc.runs.onProgress.subscribe(
          { runId },
          {
            onData: ({ data }) => {
              const heardAt = Date.now();
              if (data.type === 'end') {
                clearTimeout(timer);
                subscription.unsubscribe();
                resolve(data);
                return;
              }
              for (const host of data.hosts) {
                if (host.status === 'running') seenRunning.add(host.target);
                // Measured only for hosts seen running first: ends that happened live.
                if (host.finishedAt !== null && seenRunning.has(host.target)) {
                  expect(host.instance).not.toBe('D');
                  delays.set(host.target, heardAt - host.finishedAt);
                }
              }
            },
            onError: (error) => {
              clearTimeout(timer);
              reject(error);
            },
          },
        );
      });
      expect(end).toMatchObject({ type: 'end', status: 'succeeded' });
      expect([...delays.keys()].sort()).toEqual(fleet.targets.slice(0, 4).map((t) => t.id));
      // Ten minutes before D's own next look: only the feed can have told it, and did at once.
      for (const delay of delays.values()) expect(delay).toBeLessThan(1_000);
    } finally {
      await Promise.all([onA.close(), onD.close()]);
      instances.get('D')?.process.kill('SIGKILL');
      instances.delete('D');
    }
  }, 60_000);

  it('SIGKILL of the owner: interrupted within 20 s, its output so far readable elsewhere', async () => {
    const onC = await signedIn(at('C'), 'alice');
    const viaNginx = await signedIn(at('nginx'), 'alice');
    const { executionId } = await onC.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 1000 2',
    });
    let lastSeq = 0;
    const watching = watch(viaNginx, executionId, {
      onMessage: (message) => {
        lastSeq = message.seq;
      },
    });
    // Some output out, then the owner dies without a word.
    await vi.waitFor(() => expect(lastSeq).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
    instances.get('C')?.process.kill('SIGKILL');
    const killedAt = Date.now();
    pkill(sshd.username, path.join(sshd.dir, 'emit.sh'));
    const result = await watching;
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(result.end).toMatchObject({ status: 'interrupted' });
    const lines = result.stdout.toString().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => `out ${i + 1}`));
    await Promise.all([onC.close(), viaNginx.close()]);
  });
});

describe('the default build still runs alone', () => {
  it('needs both URLs for cluster mode, and says which key is missing', () => {
    let message = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], {
        cwd: root,
        env: { ...process.env, OGENT_DATABASE_URL: postgres.url, OGENT_REDIS_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
    } catch (error) {
      message = String((error as { stderr?: Buffer }).stderr);
    }
    expect(message).toContain('storage: cluster mode needs both databaseUrl and redisUrl');
  });
});
