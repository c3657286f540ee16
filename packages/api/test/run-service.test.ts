import { CommandPolicy, type ExecEvent, ManualClock, type Target } from '@ogent/executor';
import { alice, singleNodeExecutions, testLimits } from './fixtures.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runsConfigSchema } from '../src/config.js';
import type { ExecutionLifecycleEvent } from '../src/executions/lifecycle.js';
import { OutputDigest } from '../src/executions/output-digest.js';
import { silentLogger } from '../src/logger.js';
import { InProcessCoordination } from '../src/single-node/coordination.js';
import { MemoryRunStore } from '../src/single-node/memory-runs.js';
import { InProcessRunFeed } from '../src/single-node/run-feed.js';
import { MemoryExecutionStore } from '../src/single-node/memory-store.js';
import { RunService, type StartRunRequest } from '../src/runs/service.js';
import type { RunProgressEvent, RunView } from '../src/domain/run.js';

/** What each target's "execution" does: its exit code and output, after a delay in ms. */
interface Script {
  readonly exitCode: number;
  readonly output: string;
  readonly delayMs: number;
}

/**
 * The scheduling under test with a scripted executor (the real transports are exercised by the
 * server's fleet tests against real sshd): each target ends as its script says, and the test
 * sees which targets ran at the same time.
 */
function build(count: number, script: (id: string) => Script, refusedOn: readonly string[] = []) {
  const targets: Target[] = Array.from({ length: count }, (_, i) => ({
    id: `web-${String(i + 1).padStart(2, '0')}`,
    transport: 'local',
    labels: { role: 'web', env: i % 2 === 0 ? 'prod' : 'test' },
  }));
  const clock = new ManualClock();
  const store = new MemoryExecutionStore();
  const coordination = new InProcessCoordination(clock);
  const policy = new CommandPolicy({
    commands: { check: { path: '/bin/true' } },
    roles: {
      operator: {
        commands: ['*'],
        targets: targets.map((t) => t.id).filter((id) => !refusedOn.includes(id)),
      },
    },
  });
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const cancelled: string[] = [];
  const executor = {
    target: (id: string) => targets.find((t) => t.id === id),
    async *execute(
      target: string,
      _argv: readonly string[],
      options: { signal?: AbortSignal },
    ): AsyncGenerator<ExecEvent> {
      running += 1;
      peak = Math.max(peak, running);
      started.push(target);
      try {
        const { exitCode, output, delayMs } = script(target);
        const stopped = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), delayMs);
          options.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (stopped) {
          cancelled.push(target);
          yield cancelledExit;
          return;
        }
        if (output !== '') yield { type: 'output', stream: 'stdout', data: Buffer.from(output) };
        yield {
          type: 'exit',
          status: 'completed',
          exitCode,
          signal: null,
          durationMs: delayMs,
          truncated: false,
          outputBytes: output.length,
        };
      } finally {
        running -= 1;
      }
    },
  };
  const executions = singleNodeExecutions({ executor, policy, store, coordination, clock });
  const runs = new RunService({
    store: new MemoryRunStore(),
    executions,
    log: store,
    coordination,
    policy,
    targets,
    config: runsConfigSchema.parse({}),
    limits: testLimits,
    clock,
    logger: silentLogger,
    instanceId: 'this-instance',
    tickMs: 1_000,
    feed: new InProcessRunFeed(),
  });
  return {
    runs,
    executions,
    records: store,
    started,
    cancelled,
    peak: () => peak,
    /** Starts `check` as alice over tRPC (unless told another source), with what the test varies. */
    start: (
      request: Omit<StartRunRequest, 'command' | 'source'> &
        Partial<Pick<StartRunRequest, 'source'>>,
    ) => runs.start(alice, { command: 'check', source: 'trpc', ...request }),
    close: async () => {
      await runs.shutdown();
      await executions.shutdown();
    },
  };
}

const cancelledExit: ExecEvent = {
  type: 'exit',
  status: 'cancelled',
  exitCode: null,
  signal: 'TERM',
  durationMs: 0,
  truncated: false,
  outputBytes: 0,
};

let built: ReturnType<typeof build> | undefined;
afterEach(async () => {
  await built?.close();
  built = undefined;
});

/** Follows a run to its end; returns every event. */
async function follow(runs: RunService, runId: string, after = 0): Promise<RunProgressEvent[]> {
  const events: RunProgressEvent[] = [];
  for await (const event of runs.watch(alice, runId, after, new AbortController().signal)) {
    events.push(event);
  }
  return events;
}

async function finished(runs: RunService, runId: string): Promise<RunView> {
  await follow(runs, runId);
  return runs.byId(alice, runId);
}

const ok = (output = 'up 3 days\n', delayMs = 5): Script => ({ exitCode: 0, output, delayMs });

describe('a fleet run', () => {
  it('runs every host through a sliding window and groups identical results', async () => {
    built = build(30, (id) =>
      id === 'web-07' ? { exitCode: 3, output: 'disk full\n', delayMs: 5 } : ok(),
    );
    const { runId } = await built.start({
      selector: 'role=web',
      concurrency: 4,
    });
    const run = await finished(built.runs, runId);
    expect(built.peak()).toBe(4);
    expect(run.status).toBe('failed');
    expect(run.summary).toMatchObject({ total: 30, succeeded: 29, failed: 1, pending: 0 });
    expect(run.groups.map((g) => [g.label, g.status, g.exitCode, g.sample])).toEqual([
      ['web-[01-06,08-30]', 'succeeded', 0, 'up 3 days\n'],
      ['web-07', 'failed', 3, 'disk full\n'],
    ]);
    // Every host is an ordinary, audited execution.
    const host = run.hosts.find((h) => h.target === 'web-07');
    const record = await built.records.get(host?.executionId ?? '');
    expect(record).toMatchObject({ target: 'web-07', status: 'completed', exitCode: 3 });
  });

  it('selects by labels, and by ids and a selector together', () => {
    built = build(6, () => ok());
    expect(built.runs.preview(alice, { selector: 'env=prod' }).map((t) => t.id)).toEqual([
      'web-01',
      'web-03',
      'web-05',
    ]);
    expect(
      built.runs.preview(alice, { selector: 'env!=prod', targets: ['web-01'] }).map((t) => t.id),
    ).toEqual(['web-01', 'web-02', 'web-04', 'web-06']);
    expect(() => built?.runs.preview(alice, { selector: 'env=staging' })).toThrow(
      /matches no target/,
    );
    expect(() => built?.runs.preview(alice, { targets: ['web-01', 'db-1'] })).toThrow(
      /Unknown target: db-1/,
    );
    expect(() => built?.runs.preview(alice, { selector: 'env=(prod)' })).toThrow(
      /Invalid selector/,
    );
  });

  it('records refused hosts as refusals and runs the rest', async () => {
    built = build(5, () => ok(), ['web-02', 'web-04']);
    const preview = built.runs.preview(alice, { selector: '*', command: 'check' });
    expect(preview.filter((t) => !t.allowed).map((t) => [t.id, t.rule])).toEqual([
      ['web-02', 'roles.targets'],
      ['web-04', 'roles.targets'],
    ]);
    const { runId } = await built.start({
      selector: '*',
      source: 'http',
    });
    const run = await finished(built.runs, runId);
    expect(run.summary).toMatchObject({ succeeded: 3, refused: 2 });
    const refused = run.hosts.find((h) => h.target === 'web-02');
    expect(refused?.error?.code).toBe('target_not_permitted');
    expect(await built.records.get(refused?.executionId ?? '')).toMatchObject({
      decision: 'refused',
      target: 'web-02',
    });
  });

  it('stops after N failures: hosts not started are skipped, running ones finish', async () => {
    built = build(20, (id) =>
      Number(id.slice(4)) <= 6 ? { exitCode: 1, output: '', delayMs: 5 } : ok(),
    );
    const { runId } = await built.start({
      selector: '*',
      concurrency: 2,
      maxFailures: 3,
    });
    const run = await finished(built.runs, runId);
    expect(run.status).toBe('stopped');
    expect(run.stopReason).toMatch(/after 3 failed hosts/);
    // Two at a time: the third failure ends with at most one other host still running.
    expect(run.summary.failed).toBeGreaterThanOrEqual(3);
    expect(run.summary.failed).toBeLessThanOrEqual(4);
    expect(run.summary.skipped).toBe(20 - run.summary.failed);
    expect(built.started).toHaveLength(run.summary.failed);
  });

  it('stops at a percentage and cancels running hosts when asked to', async () => {
    built = build(10, (id) =>
      id === 'web-01' ? { exitCode: 1, output: '', delayMs: 5 } : ok('', 5_000),
    );
    const { runId } = await built.start({
      selector: '*',
      concurrency: 4,
      maxFailurePercent: 10,
      onFailure: 'cancel',
    });
    const run = await finished(built.runs, runId);
    expect(run.status).toBe('stopped');
    expect(run.summary).toMatchObject({ failed: 1, cancelled: 3, skipped: 6 });
    expect(built.cancelled.sort()).toEqual(['web-02', 'web-03', 'web-04']);
  });

  it('runs rolling batches one after another', async () => {
    built = build(10, () => ok('', 10));
    const { runId } = await built.start({
      selector: '*',
      concurrency: 10,
      batches: [1, '30%'],
    });
    const events = await follow(built.runs, runId);
    // Batches 1, 3, 3, 3: a host of a batch starts only once the batch before has ended.
    const startedAt = new Map<string, number>();
    const endedAt = new Map<string, number>();
    events.forEach((event, i) => {
      if (event.type !== 'hosts') return;
      for (const h of event.hosts) {
        if (h.status === 'running' && !startedAt.has(h.target)) startedAt.set(h.target, i);
        if (h.status === 'succeeded') endedAt.set(h.target, i);
      }
    });
    const batches = [['web-01'], ['web-02', 'web-03', 'web-04'], ['web-05', 'web-06', 'web-07']];
    for (let b = 1; b < batches.length; b += 1) {
      const lastEnd = Math.max(...(batches[b - 1] ?? []).map((t) => endedAt.get(t) ?? Infinity));
      for (const t of batches[b] ?? []) expect(startedAt.get(t)).toBeGreaterThanOrEqual(lastEnd);
    }
    expect(built.peak()).toBeLessThanOrEqual(3);
  });

  it('cancels a run: nothing left running, the rest skipped; retry takes those hosts', async () => {
    built = build(8, () => ok('', 10_000));
    const { runId } = await built.start({
      selector: '*',
      concurrency: 3,
    });
    const progress = follow(built.runs, runId);
    const { executions } = built;
    await vi.waitFor(() => expect(executions.runningCount).toBe(3));
    expect(await built.runs.cancel(alice, runId)).toEqual({ cancelled: true, status: 'running' });
    await progress;
    const run = await built.runs.byId(alice, runId);
    expect(run.status).toBe('cancelled');
    expect(run.summary).toMatchObject({ cancelled: 3, skipped: 5, running: 0 });
    expect(built.executions.runningCount).toBe(0);

    const retried = await built.runs.retry(alice, runId, 'trpc');
    const again = await built.runs.byId(alice, retried.runId);
    expect(again.retryOf).toBe(runId);
    expect(again.total).toBe(8);
    await built.runs.cancel(alice, retried.runId);
  });

  it('resumes its progress exactly after any event', async () => {
    built = build(12, (id) => ok(`${id}\n`, 3));
    const { runId } = await built.start({
      selector: '*',
      concurrency: 3,
    });
    const all = await follow(built.runs, runId);
    const final = (events: RunProgressEvent[]): Map<string, string> => {
      const state = new Map<string, string>();
      for (const e of events)
        if (e.type === 'hosts') for (const h of e.hosts) state.set(h.target, h.status);
      return state;
    };
    // From every point, the rest of the stream leaves each host where the whole stream does.
    for (let cut = 0; cut < all.length; cut += 1) {
      const seen = all.slice(0, cut + 1);
      const rest = await follow(built.runs, runId, seen.at(-1)?.seq ?? 0);
      const seqs = [...seen, ...rest].map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length - (cut === all.length - 1 ? 1 : 0));
      expect(final([...seen, ...rest])).toEqual(final(all));
      expect(rest.at(-1)?.type).toBe('end');
    }
  });

  it('shares execution ends: another listener, even one that throws, does not disturb runs', async () => {
    built = build(6, (id) => ok(id === 'web-04' ? 'odd\n' : 'same\n', 3));
    const heard: Extract<ExecutionLifecycleEvent, { type: 'ended' }>[] = [];
    const started: string[] = [];
    built.executions.subscribe((event) => {
      if (event.type === 'started') started.push(event.execution.target);
      else heard.push(event);
    });
    built.executions.subscribe(() => {
      throw new Error('a broken listener');
    });
    const { runId } = await built.start({
      selector: '*',
      concurrency: 2,
    });
    const run = await finished(built.runs, runId);
    expect(run.status).toBe('succeeded');
    expect(run.summary).toMatchObject({ succeeded: 6, running: 0, pending: 0 });
    expect(started.sort()).toEqual(run.hosts.map((h) => h.target));
    // The other listener heard every end, with what was counted as the output streamed.
    expect(heard.map((e) => e.execution.target).sort()).toEqual(run.hosts.map((h) => h.target));
    for (const event of heard) {
      expect(event.execution.run?.id).toBe(runId);
      expect(event.outputLines).toBe(1);
    }
    // Hosts are grouped by the digest streamed with the end: no output was read back to hash.
    const digest = (text: string): string => {
      const d = new OutputDigest();
      d.add('stdout', Buffer.from(text));
      return d.digest();
    };
    expect(run.groups.map((g) => [g.label, g.outputSha256])).toEqual([
      ['web-[01-03,05-06]', digest('same\n')],
      ['web-04', digest('odd\n')],
    ]);
    const byTarget = new Map(heard.map((e) => [e.execution.target, e.outputSha256]));
    for (const host of run.hosts) expect(host.outputSha256).toBe(byTarget.get(host.target));
  });

  it('refuses what it cannot do, with the reason', async () => {
    built = build(3, () => ok());
    await expect(built.start({})).rejects.toThrow(/give targets, a selector, or both/);
    await expect(
      built.start({
        selector: '*',
        concurrency: 1_000,
      }),
    ).rejects.toThrow(/over runs.maxConcurrency \(100\)/);
    await expect(
      built.runs.byId({ ...alice, username: 'bob' }, '00000000-0000-4000-8000-000000000000'),
    ).rejects.toThrow(/No run/);
  });
});
