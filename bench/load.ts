import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TypedClient } from '@ogent/server/testing';
import { TRPCClientError } from '@trpc/client';
import { client, login, runTyped } from './lib/product.js';
import { BENCH_USER, type BenchStack, startBenchStack } from './lib/stack.js';
import { percentile } from './lib/stats.js';

/**
 * Sustained load: many users with mixed short and long commands, refusals, cancels, and
 * WebSocket connections opened and closed, for several minutes. Counts errors the users did not
 * cause, latency of short commands, the server's memory over time, and checks that the audit
 * record count equals the attempts made. Writes bench/LOAD.md and bench/load.json.
 */
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    users: { type: 'string', default: '20' },
    /** Stop after this many attempts (0: only the time limit). */
    executions: { type: 'string', default: '0' },
  },
});
const minutes = Number(args.minutes);
const userCount = Number(args.users);
const targetExecutions =
  Number(args.executions) > 0 ? Number(args.executions) : Number.POSITIVE_INFINITY;
const log = (text: string): void => console.log(`[load] ${text}`);

interface Tally {
  attempts: number;
  completed: number;
  refusedAsExpected: number;
  cancelled: number;
  reconnects: number;
  replays: number;
  unexpected: number;
  unexpectedSamples: string[];
  shortLatencies: number[];
}

const tally: Tally = {
  attempts: 0,
  completed: 0,
  refusedAsExpected: 0,
  cancelled: 0,
  reconnects: 0,
  replays: 0,
  unexpected: 0,
  unexpectedSamples: [],
  shortLatencies: [],
};

function unexpected(what: string): void {
  tally.unexpected += 1;
  if (tally.unexpectedSamples.length < 10) tally.unexpectedSamples.push(what);
}

async function expectEnd(c: TypedClient, command: string, status: string): Promise<number> {
  tally.attempts += 1;
  const result = await runTyped(c, command);
  if (result.end.status !== status)
    unexpected(`${command}: ${result.end.status} ${result.end.error?.message ?? ''}`);
  else tally.completed += 1;
  return result.ms;
}

/** One virtual user: picks actions until the deadline or the global count is reached. */
async function user(
  stack: BenchStack,
  token: string,
  deadline: number,
  done: () => boolean,
): Promise<void> {
  // Users start at different moments, like people do.
  await sleep(Math.random() * 1_000);
  let c = client(stack.url, token);
  try {
    while (performance.now() < deadline && !done()) {
      const roll = Math.random();
      try {
        if (roll < 0.55) {
          tally.shortLatencies.push(
            await expectEnd(c, Math.random() < 0.5 ? 'true' : 'seq 1 20', 'completed'),
          );
        } else if (roll < 0.75) {
          await expectEnd(c, `seq 1 ${50_000 + Math.floor(Math.random() * 100_000)}`, 'completed');
        } else if (roll < 0.83) {
          await expectEnd(c, 'sleep 1', 'completed');
        } else if (roll < 0.88) {
          // A refusal the user causes: expected, recorded, not an error.
          tally.attempts += 1;
          try {
            await c.trpc.exec.execute.mutate({ target: 'web-1', command: 'cat /etc/shadow; id' });
            unexpected('a refused command was accepted');
          } catch (error) {
            if (
              error instanceof TRPCClientError &&
              (error.data as { code?: string }).code === 'FORBIDDEN'
            ) {
              tally.refusedAsExpected += 1;
            } else unexpected(`refusal: ${String(error)}`);
          }
        } else if (roll < 0.92) {
          tally.attempts += 1;
          const { executionId } = await c.trpc.exec.execute.mutate({
            target: 'web-1',
            command: 'sleep 30',
          });
          await sleep(100 + Math.random() * 300);
          await c.trpc.exec.cancel.mutate({ executionId });
          const record = await waitForEnd(c, executionId);
          if (record === 'cancelled') tally.cancelled += 1;
          else unexpected(`cancel ended as ${record}`);
        } else if (roll < 0.96) {
          // Subscriptions opening and closing: a fresh connection, then replay a past execution.
          await c.close();
          c = client(stack.url, token);
          tally.reconnects += 1;
          const { items } = await c.trpc.exec.list.query({ limit: 5 });
          const past = items.find((e) => e.status === 'completed');
          if (past !== undefined) {
            await new Promise<void>((resolve, reject) => {
              const sub = c.trpc.exec.onOutput.subscribe(
                { executionId: past.id },
                {
                  onData: ({ data }) => {
                    if (data.type === 'end') {
                      sub.unsubscribe();
                      resolve();
                    }
                  },
                  onError: reject,
                },
              );
            });
            tally.replays += 1;
          }
        } else {
          tally.shortLatencies.push(await expectEnd(c, 'echo load', 'completed'));
        }
      } catch (error) {
        unexpected(`action failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await c.close();
  }
}

async function waitForEnd(c: TypedClient, executionId: string): Promise<string> {
  for (;;) {
    const record = await c.trpc.exec.byId.query({ executionId });
    if (record.status !== 'running') return record.status;
    await sleep(50);
  }
}

async function countRecords(c: TypedClient): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: { items: unknown[]; nextCursor: string | null } = await c.trpc.exec.list.query({
      limit: 200,
      ...(cursor === null ? {} : { cursor }),
    });
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

async function main(): Promise<void> {
  const started = performance.now();
  log(
    `${userCount} users for ${minutes} minutes${Number.isFinite(targetExecutions) ? ` or ${targetExecutions} attempts` : ''}`,
  );
  const stack = await startBenchStack({ bigFileBytes: 1024, extraUsers: userCount });
  const rss: { seconds: number; mib: number; attempts: number }[] = [];
  try {
    const tokens = await Promise.all(
      Array.from({ length: userCount }, (_, i) =>
        login(stack.url, { username: `load${i + 1}`, password: BENCH_USER.password }),
      ),
    );
    const deadline = performance.now() + minutes * 60_000;
    const sampler = setInterval(() => {
      rss.push({
        seconds: (performance.now() - started) / 1000,
        mib: stack.rss() / 2 ** 20,
        attempts: tally.attempts,
      });
    }, 5_000);
    const progress = setInterval(
      () => log(`${tally.attempts} attempts, ${tally.unexpected} unexpected`),
      30_000,
    );
    await Promise.all(
      tokens.map((token) => user(stack, token, deadline, () => tally.attempts >= targetExecutions)),
    );
    clearInterval(sampler);
    clearInterval(progress);
    rss.push({
      seconds: (performance.now() - started) / 1000,
      mib: stack.rss() / 2 ** 20,
      attempts: tally.attempts,
    });

    const admin = client(stack.url, await login(stack.url));
    const records = await countRecords(admin);
    await admin.close();

    const sorted = [...tally.shortLatencies].sort((a, b) => a - b);
    const warm = rss.find((s) => s.attempts >= tally.attempts * 0.1) ?? rss[0];
    const last = rss[rss.length - 1];
    const results = {
      date: new Date().toISOString(),
      durationSeconds: (performance.now() - started) / 1000,
      users: userCount,
      attempts: tally.attempts,
      auditRecords: records,
      completed: tally.completed,
      refusedAsExpected: tally.refusedAsExpected,
      cancelled: tally.cancelled,
      reconnects: tally.reconnects,
      replays: tally.replays,
      unexpectedErrors: tally.unexpected,
      unexpectedSamples: tally.unexpectedSamples,
      shortCommand: {
        n: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? Number.NaN,
      },
      rssMiB: {
        afterWarmup: warm?.mib ?? Number.NaN,
        end: last?.mib ?? Number.NaN,
        max: Math.max(...rss.map((s) => s.mib)),
        samples: rss,
      },
    };
    const dir = fileURLToPath(new URL('.', import.meta.url));
    writeFileSync(`${dir}/load.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(
      `${dir}/LOAD.md`,
      [
        '# Load test',
        '',
        `\`npm run load\` on ${results.date}: ${userCount} users for ${(results.durationSeconds / 60).toFixed(1)} minutes against one sshd target (OpenSSH defaults).`,
        '',
        '| figure | value |',
        '| --- | --- |',
        `| attempts (executions started, refusals, cancels) | ${results.attempts} |`,
        `| audit records in the database | ${results.auditRecords} |`,
        `| completed as expected | ${results.completed} |`,
        `| refused as expected (user error) | ${results.refusedAsExpected} |`,
        `| cancelled as expected | ${results.cancelled} |`,
        `| connections closed and reopened | ${results.reconnects} (replays: ${results.replays}) |`,
        `| **errors the users did not cause** | **${results.unexpectedErrors}** |`,
        `| short command, execute to end event | p50 ${results.shortCommand.p50.toFixed(1)} ms, p99 ${results.shortCommand.p99.toFixed(1)} ms, max ${results.shortCommand.max.toFixed(0)} ms (n = ${results.shortCommand.n}) |`,
        `| server RSS after warm-up / at the end / max | ${results.rssMiB.afterWarmup.toFixed(0)} / ${results.rssMiB.end.toFixed(0)} / ${results.rssMiB.max.toFixed(0)} MiB |`,
        '',
        ...(results.unexpectedSamples.length > 0
          ? [
              'Unexpected errors (first 10):',
              '',
              ...results.unexpectedSamples.map((s) => `- ${s}`),
              '',
            ]
          : []),
      ].join('\n'),
    );
    log(
      `attempts ${results.attempts}, audit records ${records}, unexpected errors ${results.unexpectedErrors}`,
    );
    log(
      `short p50 ${results.shortCommand.p50.toFixed(1)} ms p99 ${results.shortCommand.p99.toFixed(1)} ms; RSS ${results.rssMiB.afterWarmup.toFixed(0)} -> ${results.rssMiB.end.toFixed(0)} MiB`,
    );
    if (records !== results.attempts || results.unexpectedErrors > 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
