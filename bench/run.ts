import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { TypedClient } from '@ogent/server/testing';
import { RawSubscriber, client, login, runHttp, runTyped } from './lib/product.js';
import { type Figure, type Goal, type Results, withSummaries, writeResults } from './lib/report.js';
import { controlMaster, freshArgs, timeSsh, timeSshTee } from './lib/ssh.js';
import { cpuSeconds, startBenchCluster } from './lib/cluster.js';
import { fleetGoals, fleetSection } from './lib/fleet.js';
import { type BenchStack, startBenchStack, writeLogFile } from './lib/stack.js';
import { summarize } from './lib/stats.js';

const MiB = 1024 * 1024;
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Only these sections (comma-separated: latency,throughput,concurrency,memory,cluster,fleet). */
    only: { type: 'string' },
    /** Extra Node options for the server process, e.g. --cpu-prof (for profiling). */
    'server-node-options': { type: 'string' },
  },
});
const quick = args.quick === true;
const sections = new Set(
  (args.only ?? 'latency,throughput,concurrency,memory,cluster,fleet').split(','),
);

/** Sizes and counts per mode: quick finishes in under two minutes, full in under fifteen. */
const plan = quick
  ? {
      latencyRuns: 40,
      freshEvery: 4,
      throughputRounds: 1,
      bigBytes: 256 * MiB,
      seqN: 3_000_000,
      concurrencyRounds: 1,
      idleSubs: 1000,
      cycles: 300,
      clusterRuns: 40,
      clusterBytes: 64 * MiB,
      clusterRounds: 1,
      fleet: { sizes: [100], rounds: 1, largest: 200 },
    }
  : {
      latencyRuns: 200,
      freshEvery: 2,
      throughputRounds: 3,
      bigBytes: 1024 * MiB,
      seqN: 14_000_000,
      concurrencyRounds: 3,
      idleSubs: 1000,
      cycles: 1000,
      clusterRuns: 100,
      clusterBytes: 256 * MiB,
      clusterRounds: 3,
      fleet: { sizes: [200, 500], rounds: 3, largest: 1000 },
    };

const figures: Figure[] = [];
const log = (text: string): void => console.log(`[bench] ${text}`);

function version(command: string, argv: string[]): string {
  // `ssh -V` prints its version on stderr.
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

async function latency(stack: BenchStack, typed: TypedClient, token: string): Promise<void> {
  log(`latency: ${plan.latencyRuns} rounds of \`true\``);
  const cm = await controlMaster(stack.sshd);
  const runs = {
    typed: [] as number[],
    http: [] as number[],
    cm: [] as number[],
    fresh: [] as number[],
  };
  try {
    // Warm-up: connections open, code paths compiled.
    for (let i = 0; i < 10; i += 1) {
      await runTyped(typed, 'true');
      await runHttp(stack.url, token, 'true');
      await timeSsh(cm.args('true'));
    }
    for (let i = 0; i < plan.latencyRuns; i += 1) {
      runs.typed.push((await runTyped(typed, 'true')).ms);
      runs.cm.push(await timeSsh(cm.args('true')));
      runs.http.push(await runHttp(stack.url, token, 'true'));
      if (i % plan.freshEvery === 0) runs.fresh.push(await timeSsh(freshArgs(stack.sshd, 'true')));
    }
  } finally {
    await cm.stop();
  }
  // The ControlMaster figure is the anchor of both product paths, taken in the same rounds.
  figures.push(
    {
      id: 'latency.typed',
      group: 'Latency',
      label: 'Ogent, typed client (execute to end event)',
      unit: 'ms',
      better: 'lower',
      values: runs.typed,
      anchor: 'latency.ssh_cm',
    },
    {
      id: 'latency.http',
      group: 'Latency',
      label: 'Ogent, POST /api/command',
      unit: 'ms',
      better: 'lower',
      values: runs.http,
      anchor: 'latency.ssh_cm',
    },
    {
      id: 'latency.ssh_cm',
      group: 'Latency',
      label: 'ssh reusing a ControlMaster connection',
      unit: 'ms',
      better: 'lower',
      values: runs.cm,
    },
    {
      id: 'latency.ssh_fresh',
      group: 'Latency',
      label: 'ssh, new connection',
      unit: 'ms',
      better: 'lower',
      values: runs.fresh,
    },
  );
}

async function throughput(stack: BenchStack, typed: TypedClient): Promise<void> {
  const bigMiB = stack.bigFileBytes / MiB;
  const expectedSeq = execFileSync('/usr/bin/seq', ['1', String(plan.seqN)], {
    maxBuffer: 1 << 30,
  });
  const seqHash = createHash('sha256').update(expectedSeq).digest('hex');
  const seqMiB = expectedSeq.length / MiB;
  log(
    `throughput: ${plan.throughputRounds} rounds of ${bigMiB} MiB (log text) and ${seqMiB.toFixed(0)} MiB of short lines`,
  );
  const runs = {
    big: [] as number[],
    bigCpu: [] as number[],
    bigCpuMain: [] as number[],
    bigSsh: [] as number[],
    bigSshTee: [] as number[],
    bigSshAes: [] as number[],
    lines: [] as number[],
    linesSsh: [] as number[],
  };
  const rate = (mib: number, ms: number): number => mib / (ms / 1000);
  for (let round = 0; round < plan.throughputRounds; round += 1) {
    const cpuBefore = cpuSeconds(stack.serverPid);
    const mainBefore = cpuSeconds(stack.serverPid, stack.serverPid);
    const big = await runTyped(typed, `cat ${stack.bigFile}`);
    if (big.bytes !== stack.bigFileBytes || big.end.status !== 'completed') {
      throw new Error(
        `product delivered ${big.bytes} of ${stack.bigFileBytes} bytes (${big.end.status})`,
      );
    }
    runs.big.push(rate(bigMiB, big.ms));
    runs.bigCpu.push((cpuSeconds(stack.serverPid) - cpuBefore) / (stack.bigFileBytes / 1024 ** 3));
    runs.bigCpuMain.push(
      (cpuSeconds(stack.serverPid, stack.serverPid) - mainBefore) /
        (stack.bigFileBytes / 1024 ** 3),
    );
    // Where the product keeps its output: the same disk for the same-work pipeline's copy.
    runs.bigSshTee.push(
      rate(
        bigMiB,
        await timeSshTee(
          freshArgs(stack.sshd, `cat ${stack.bigFile}`),
          path.join(stack.dataDir, 'bench-tee.out'),
        ),
      ),
    );
    runs.bigSsh.push(rate(bigMiB, await timeSsh(freshArgs(stack.sshd, `cat ${stack.bigFile}`))));
    runs.bigSshAes.push(
      rate(
        bigMiB,
        await timeSsh(
          freshArgs(stack.sshd, `cat ${stack.bigFile}`, ['-c', 'aes128-gcm@openssh.com']),
        ),
      ),
    );
    const lines = await runTyped(typed, `seq 1 ${plan.seqN}`, { hash: true });
    if (lines.sha256 !== seqHash)
      throw new Error('product output of seq differs from the expected bytes');
    runs.lines.push(rate(seqMiB, lines.ms));
    runs.linesSsh.push(rate(seqMiB, await timeSsh(freshArgs(stack.sshd, `seq 1 ${plan.seqN}`))));
    log(
      `  round ${round + 1}: ${runs.big.at(-1)?.toFixed(0)} vs ssh ${runs.bigSsh.at(-1)?.toFixed(0)} MiB/s`,
    );
  }
  figures.push(
    {
      id: 'throughput.typed',
      group: 'Throughput',
      label: `Ogent, ${bigMiB} MiB to the typed client`,
      unit: 'MiB/s',
      better: 'higher',
      values: runs.big,
      anchor: 'throughput.ssh',
      note: 'bytes counted',
    },
    {
      id: 'throughput.ssh',
      group: 'Throughput',
      label: `ssh target cat (${bigMiB} MiB) > /dev/null`,
      unit: 'MiB/s',
      better: 'higher',
      values: runs.bigSsh,
      note: 'default cipher, new connection',
    },
    {
      id: 'throughput.ssh_tee',
      group: 'Throughput',
      label: `ssh target cat (${bigMiB} MiB) | tee FILE | cat > /dev/null`,
      unit: 'MiB/s',
      better: 'higher',
      values: runs.bigSshTee,
      note: 'the same work: keep every byte, forward it',
    },
    {
      id: 'throughput.server_cpu',
      group: 'Throughput',
      label: `server CPU per GiB of output (${bigMiB} MiB to the typed client)`,
      unit: 'cpu-s/GiB',
      better: 'lower',
      values: runs.bigCpu,
      note: 'user + system, all threads, from /proc',
    },
    {
      id: 'throughput.server_cpu_main',
      group: 'Throughput',
      label:
        'of which the main thread (the rest: V8 garbage collection helpers, libuv file writes)',
      unit: 'cpu-s/GiB',
      better: 'lower',
      values: runs.bigCpuMain,
      note: '/proc task of the main thread',
    },
    {
      id: 'throughput.ssh_aes',
      group: 'Throughput',
      label: 'same, ssh -c aes128-gcm',
      unit: 'MiB/s',
      better: 'higher',
      values: runs.bigSshAes,
    },
    {
      id: 'throughput.lines',
      group: 'Throughput',
      label: `Ogent, seq 1 ${plan.seqN} (${seqMiB.toFixed(0)} MiB of short lines)`,
      unit: 'MiB/s',
      better: 'higher',
      values: runs.lines,
      anchor: 'throughput.lines_ssh',
      note: 'sha256 checked',
    },
    {
      id: 'throughput.lines_ssh',
      group: 'Throughput',
      label: 'ssh target seq > /dev/null',
      unit: 'MiB/s',
      better: 'higher',
      values: runs.linesSsh,
    },
  );
}

async function concurrency(stack: BenchStack, token: string): Promise<void> {
  log(`concurrency: ${plan.concurrencyRounds} rounds of 100 executions from 20 clients`);
  const clients = Array.from({ length: 20 }, () => client(stack.url, token));
  const times: number[] = [];
  const succeeded: number[] = [];
  try {
    for (let round = 0; round < plan.concurrencyRounds; round += 1) {
      const results = await Promise.allSettled(
        clients.flatMap((c) => Array.from({ length: 5 }, () => runTyped(c, 'sleep 1'))),
      );
      let ok = 0;
      for (const r of results) {
        if (
          r.status === 'fulfilled' &&
          r.value.end.status === 'completed' &&
          r.value.end.exitCode === 0
        ) {
          ok += 1;
          times.push(r.value.ms);
        }
      }
      succeeded.push(ok);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  figures.push(
    {
      id: 'concurrency.succeeded',
      group: 'Concurrency',
      label: '100 concurrent executions: succeeded',
      unit: 'of 100',
      better: 'higher',
      values: succeeded,
    },
    {
      id: 'concurrency.time',
      group: 'Concurrency',
      label: 'time to final event, each of 100 (`sleep 1`)',
      unit: 'ms',
      better: 'lower',
      values: times,
    },
  );
}

async function memory(stack: BenchStack, typed: TypedClient, token: string): Promise<void> {
  const mb = (bytes: number): number => bytes / MiB;
  await sleep(500);
  const baseline = stack.rss();
  // Each scenario from the quietest state first: the paused reader, then idle subscriptions.

  log(`memory: one paused reader while ${stack.bigFileBytes / MiB} MiB flows`);
  const paused = new RawSubscriber(stack.url, token);
  await paused.opened;
  const { executionId: flowing } = await typed.trpc.exec.execute.mutate({
    target: 'web-1',
    command: `cat ${stack.bigFile}`,
  });
  let received = 0;
  let ended = false;
  paused.onMessage((message) => {
    if (message.type === 'output') received += message.data.byteLength;
    else ended = true;
  });
  paused.subscribe(flowing);
  await sleep(200);
  const socket = (paused.socket as unknown as { _socket: { pause(): void; resume(): void } })
    ._socket;
  socket.pause();
  const samples: number[] = [];
  for (;;) {
    samples.push(stack.rss());
    const record = await typed.trpc.exec.byId.query({ executionId: flowing });
    if (record.status !== 'running') break;
    await sleep(100);
  }
  samples.push(stack.rss());
  const receivedWhilePaused = received;
  socket.resume();
  const resumeStarted = performance.now();
  while (!ended && performance.now() - resumeStarted < 120_000) await sleep(50);
  await paused.close();
  if (received !== stack.bigFileBytes) {
    throw new Error(
      `the paused reader got ${received} of ${stack.bigFileBytes} bytes after resuming`,
    );
  }
  log(
    `  paused reader: ${(receivedWhilePaused / MiB).toFixed(1)} MiB before the pause took hold, all ${stack.bigFileBytes / MiB} MiB after resuming`,
  );

  log(`memory: ${plan.idleSubs} idle subscriptions`);
  const { executionId: sleeping } = await typed.trpc.exec.execute.mutate({
    target: 'web-1',
    command: 'sleep 600',
  });
  const subscribers: RawSubscriber[] = [];
  for (let i = 0; i < plan.idleSubs; i += 1) {
    const s = new RawSubscriber(stack.url, token);
    subscribers.push(s);
    await s.opened;
    s.subscribe(sleeping);
  }
  await sleep(1500);
  const withIdle = stack.rss();
  await Promise.all(subscribers.map((s) => s.close()));
  await typed.trpc.exec.cancel.mutate({ executionId: sleeping });

  log(`memory: ${plan.cycles} connect/disconnect cycles`);
  const { executionId: small } = await typed.trpc.exec.execute.mutate({
    target: 'web-1',
    command: 'seq 1 100',
  });
  await sleep(500);
  const beforeCycles = stack.rss();
  for (let i = 0; i < plan.cycles; i += 1) {
    const s = new RawSubscriber(stack.url, token);
    await s.opened;
    await new Promise<void>((resolve) => {
      s.onMessage((message) => {
        if (message.type === 'end') resolve();
      });
      s.subscribe(small);
    });
    await s.close();
  }
  await sleep(2000);
  const afterCycles = stack.rss();

  figures.push(
    {
      id: 'memory.baseline',
      group: 'Memory',
      label: 'server RSS, idle (after the sections above)',
      unit: 'MiB',
      better: 'lower',
      values: [mb(baseline)],
    },
    {
      id: 'memory.idle_subscriptions',
      group: 'Memory',
      label: `server RSS with ${plan.idleSubs} idle subscriptions (one WebSocket each)`,
      unit: 'MiB',
      better: 'lower',
      values: [mb(withIdle)],
    },
    {
      id: 'memory.paused',
      group: 'Memory',
      label: `server RSS while ${stack.bigFileBytes / MiB} MiB flows to a paused reader (samples)`,
      unit: 'MiB',
      better: 'lower',
      values: samples.map(mb),
    },
    {
      id: 'memory.cycles_before',
      group: 'Memory',
      label: `server RSS before ${plan.cycles} connect/disconnect cycles`,
      unit: 'MiB',
      better: 'lower',
      values: [mb(beforeCycles)],
    },
    {
      id: 'memory.cycles_after',
      group: 'Memory',
      label: `server RSS after ${plan.cycles} connect/disconnect cycles`,
      unit: 'MiB',
      better: 'lower',
      values: [mb(afterCycles)],
    },
  );
}

function goals(): Goal[] {
  const summarized = withSummaries(figures);
  const get = (id: string) => summarized.find((f) => f.id === id);
  const out: Goal[] = [];
  const lat = get('latency.typed');
  if (lat?.ratio !== undefined) {
    out.push({
      label: 'Trivial command through the product: median at or below ssh with ControlMaster reuse',
      measured: `${lat.summary.median.toFixed(1)} ms vs ${get('latency.ssh_cm')?.summary.median.toFixed(1)} ms; ratio ${lat.ratio.median.toFixed(2)} (${lat.ratio.min.toFixed(2)}-${lat.ratio.max.toFixed(2)})`,
      met: lat.summary.median <= (get('latency.ssh_cm')?.summary.median ?? 0),
    });
  }
  const tp = get('throughput.typed');
  if (tp?.ratio !== undefined) {
    out.push({
      label: '1 GiB through the product: at least 0.6x of `ssh target cmd > /dev/null`',
      measured: `${tp.summary.median.toFixed(0)} vs ${get('throughput.ssh')?.summary.median.toFixed(0)} MiB/s; ratio ${tp.ratio.median.toFixed(2)} (${tp.ratio.min.toFixed(2)}-${tp.ratio.max.toFixed(2)})`,
      met: tp.ratio.median >= 0.6,
    });
  }
  const tee = get('throughput.ssh_tee');
  if (tp !== undefined && tee !== undefined) {
    // Round by round: each product run beside the pipeline run right after it.
    const ratios = tp.values
      .map((v, i) => v / (tee.values[i] ?? Number.NaN))
      .filter((r) => Number.isFinite(r))
      .sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)] ?? 0;
    out.push({
      label:
        '1 GiB through the product: at least 1.0x of the same-work pipeline (ssh | tee FILE | cat)',
      measured: `${tp.summary.median.toFixed(0)} vs ${tee.summary.median.toFixed(0)} MiB/s; ratio ${median.toFixed(2)} (${(ratios[0] ?? 0).toFixed(2)}-${(ratios.at(-1) ?? 0).toFixed(2)})`,
      met: median >= 1,
    });
  }
  const cpu = get('throughput.server_cpu');
  if (cpu !== undefined) {
    const main = get('throughput.server_cpu_main');
    out.push({
      label: 'Server CPU per GiB of output: at most 3 cpu-s',
      measured:
        `median ${cpu.summary.median.toFixed(2)} cpu-s/GiB (${cpu.summary.min.toFixed(2)}-${cpu.summary.max.toFixed(2)})` +
        (main === undefined ? '' : `, main thread ${main.summary.median.toFixed(2)}`),
      met: cpu.summary.median <= 3,
    });
  }
  const ok = get('concurrency.succeeded');
  if (ok !== undefined) {
    out.push({
      label: '100 concurrent executions: 100 succeed',
      measured: `${ok.summary.min} of 100 (worst round)`,
      met: ok.summary.min === 100,
    });
  }
  const paused = get('memory.paused');
  if (paused !== undefined) {
    out.push({
      label: 'Paused reader: resident memory under 150 MB while 1 GiB flows',
      measured: `max ${paused.summary.max.toFixed(0)} MiB`,
      met: paused.summary.max * MiB < 150e6,
    });
  }
  const across = get('cluster.trivial');
  const alone = get('cluster.trivial_single');
  if (across !== undefined && alone !== undefined) {
    const added = across.summary.median - alone.summary.median;
    out.push({
      label: 'Cluster: a watcher on an instance that does not own the execution adds under 20 ms',
      measured: `${across.summary.median.toFixed(1)} vs ${alone.summary.median.toFixed(1)} ms: ${added >= 0 ? '+' : ''}${added.toFixed(1)} ms at the median`,
      met: added < 20,
    });
  }
  const before = get('memory.cycles_before');
  const after = get('memory.cycles_after');
  if (before !== undefined && after !== undefined) {
    const growth = after.summary.median - before.summary.median;
    out.push({
      label: 'No growth over the connect/disconnect cycles (within 10 MiB)',
      measured: `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB`,
      met: growth < 10,
    });
  }
  out.push(...fleetGoals(summarized));
  return out;
}

/**
 * Cluster mode against the single node, in the same run: two instances of the built server on a
 * real PostgreSQL and redis-server, the command run by one ("owner") and watched through the
 * other, so that every byte crosses PostgreSQL and a Redis stream.
 */
async function cluster(stack: BenchStack, single: TypedClient): Promise<void> {
  const bytes = plan.clusterBytes;
  const file = path.join(stack.sshd.dir, 'cluster.log');
  writeLogFile(file, bytes);
  log(`cluster: ${plan.clusterRuns} trivial commands, ${plan.clusterRounds} x ${bytes / MiB} MiB`);
  const instances = await startBenchCluster(stack);
  const onOwner = client(instances.owner.url, await login(instances.owner.url));
  const onWatcher = client(instances.watcher.url, await login(instances.watcher.url));
  try {
    const trivial = { cluster: [] as number[], single: [] as number[] };
    for (let i = 0; i < plan.clusterRuns; i += 1) {
      trivial.cluster.push((await runTyped(onOwner, 'true', { watchWith: onWatcher })).ms);
      trivial.single.push((await runTyped(single, 'true')).ms);
    }
    const rates = { cluster: [] as number[], single: [] as number[], cpu: [] as number[] };
    const mib = bytes / MiB;
    for (let round = 0; round < plan.clusterRounds; round += 1) {
      const cpuBefore = cpuSeconds(instances.owner.pid);
      const across = await runTyped(onOwner, `cat ${file}`, { watchWith: onWatcher });
      const cpu = cpuSeconds(instances.owner.pid) - cpuBefore;
      if (across.bytes !== bytes || across.end.status !== 'completed') {
        throw new Error(
          `the cluster delivered ${across.bytes} of ${bytes} bytes (${across.end.status})`,
        );
      }
      rates.cluster.push(mib / (across.ms / 1000));
      rates.cpu.push(cpu / (bytes / 1024 ** 3));
      rates.single.push(mib / ((await runTyped(single, `cat ${file}`)).ms / 1000));
      log(
        `  round ${round + 1}: cluster ${rates.cluster.at(-1)?.toFixed(0)} vs single node ${rates.single.at(-1)?.toFixed(0)} MiB/s`,
      );
    }
    figures.push(
      {
        id: 'cluster.trivial',
        group: 'Cluster',
        label: 'trivial command, run by one instance and watched through another',
        unit: 'ms',
        better: 'lower',
        values: trivial.cluster,
        anchor: 'cluster.trivial_single',
      },
      {
        id: 'cluster.trivial_single',
        group: 'Cluster',
        label: 'same, single node (typed client)',
        unit: 'ms',
        better: 'lower',
        values: trivial.single,
      },
      {
        id: 'cluster.throughput',
        group: 'Cluster',
        label: `${mib} MiB through the cluster (PostgreSQL, Redis stream, other instance)`,
        unit: 'MiB/s',
        better: 'higher',
        values: rates.cluster,
        anchor: 'cluster.throughput_single',
      },
      {
        id: 'cluster.throughput_single',
        group: 'Cluster',
        label: `same ${mib} MiB, single node`,
        unit: 'MiB/s',
        better: 'higher',
        values: rates.single,
      },
      {
        id: 'cluster.owner_cpu',
        group: 'Cluster',
        label: "the owner instance's CPU time per GiB of output",
        unit: 'cpu-s/GiB',
        better: 'lower',
        values: rates.cpu,
      },
    );
  } finally {
    await Promise.all([onOwner.close(), onWatcher.close()]);
    await instances.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  log(`${quick ? 'quick' : 'full'} run`);
  const stack = await startBenchStack({
    bigFileBytes: plan.bigBytes,
    nodeOptions: args['server-node-options']?.split(' ').filter((o) => o !== '') ?? [],
  });
  const token = await login(stack.url);
  const typed = client(stack.url, token);
  try {
    if (sections.has('latency')) await latency(stack, typed, token);
    if (sections.has('throughput')) await throughput(stack, typed);
    if (sections.has('concurrency')) await concurrency(stack, token);
    if (sections.has('memory')) await memory(stack, typed, token);
    if (sections.has('cluster')) await cluster(stack, typed);
    if (sections.has('fleet')) figures.push(...(await fleetSection(stack, plan.fleet, log)));
  } finally {
    await typed.close();
    await stack.stop();
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const results: Results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpu: `${os.cpus().length} x ${cpu}`,
      memory: `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      'OpenSSH (client and target sshd)': version('ssh', ['-V']),
      'target user':
        'non-root account from useradd --create-home: bash, Debian default ~/.bashrc (returns early when not interactive)',
      'sshd settings': 'OpenSSH defaults (MaxSessions 10) on 127.0.0.1',
      server: 'apps/server/dist/main.js as its own process, SQLite in a temp dir',
      'fleet anchors': `${version('clush', ['--version'])}, parallel-ssh ${version('parallel-ssh', ['--version'])}`,
    },
    figures: withSummaries(figures),
    goals: goals(),
  };
  const dir = fileURLToPath(new URL('.', import.meta.url));
  // A partial run (--only) is for investigating; it does not replace the published results.
  if (args.only === undefined) writeResults(dir, results);
  for (const goal of results.goals)
    log(`${goal.met ? 'MET    ' : 'MISSED '} ${goal.label}: ${goal.measured}`);
  const took = `${summarize([results.durationSeconds]).median.toFixed(0)} s`;
  log(
    args.only === undefined
      ? `wrote bench/RESULTS.md, bench/results.json, bench/chart.svg in ${took}`
      : `partial run (--only) in ${took}: the published results are unchanged`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
