import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SshdFleet, startSshdFleet } from '@ogent/executor/testing';
import { stringify } from 'yaml';
import { cpuSeconds } from './cluster.js';
import { login } from './product.js';
import type { Figure, Goal, Results } from './report.js';
import { type BenchStack, benchConfig, readRss, spawnServer } from './stack.js';

/**
 * The fleet section: `uptime` on many targets through `POST /api/runs`, against clush and
 * parallel-ssh with the same fanout, keys and key exchange, in the same run.
 */

export interface FleetPlan {
  /** Target counts compared with clush and pssh. */
  readonly sizes: readonly number[];
  /** Rounds per size (each: Ogent cold, Ogent pooled, clush, pssh). */
  readonly rounds: number;
  /** The run that must account for every host. */
  readonly largest: number;
}

/**
 * clush's own default fanout (`fanout: 64` in Debian's /etc/clustershell/clush.conf), so clush
 * runs as its users run it; pssh (default 32) and Ogent (default 10; within the server's default
 * `runs.maxConcurrency` of 100) are set to it.
 */
export const FANOUT = 64;

/**
 * ssh2 offers no sntrup761x25519 (OpenSSH 9.2's default key exchange), so Ogent's connections
 * use curve25519-sha256; the OpenSSH clients under clush and pssh are given the same, or they
 * would pay for the post-quantum exchange and the comparison would flatter Ogent.
 */
const KEX = 'curve25519-sha256';

const COMMAND = 'uptime';

const mib = (bytes: number): string => (bytes / 1024 ** 2).toFixed(0);

interface RunAnswer {
  readonly status: string;
  readonly summary: Record<
    'total' | 'succeeded' | 'failed' | 'refused' | 'cancelled' | 'skipped',
    number
  >;
  readonly hosts: readonly { target: string; status: string; exitCode: number | null }[];
}

interface Timed<T> {
  readonly ms: number;
  readonly value: T;
}

/** Runs a program to its end, its output kept; the wall time is the measurement. */
function timeTool(
  command: string,
  args: readonly string[],
): Promise<Timed<{ code: number | null; stdout: string; stderr: string }>> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ ms: performance.now() - started, value: { code, stdout, stderr } }),
    );
  });
}

/** `clush -b`: wall time; every host must answer (exit 0, gathered groups adding up). */
async function clush(fleet: SshdFleet, ids: readonly string[]): Promise<number> {
  const run = await timeTool('clush', [
    '-b',
    '-f',
    String(FANOUT),
    '-o',
    `${fleet.sshArgs().join(' ')} -oKexAlgorithms=${KEX}`,
    '-w',
    fleet.nodes(ids),
    COMMAND,
  ]);
  // With -b, each group of identical output is headed by its nodes between two rules,
  // `127.0.1.[1-9] (9)`, then comes the output.
  const lines = run.value.stdout.split('\n');
  const rule = (i: number): boolean => lines[i]?.startsWith('-----') === true;
  let hosts = 0;
  for (let i = 0; i < lines.length; i += 1) {
    if (!rule(i) || !rule(i + 2)) continue;
    hosts += Number(/\((\d+)\)$/.exec(lines[i + 1] ?? '')?.[1] ?? 1);
    i += 2;
    while (i + 1 < lines.length && !rule(i + 1)) i += 1;
  }
  if (run.value.code !== 0 || hosts !== ids.length) {
    throw new Error(
      `clush: exit ${run.value.code}, ${hosts} of ${ids.length} hosts: ${run.value.stderr.slice(-2000)}`,
    );
  }
  return run.ms;
}

/** `parallel-ssh -i`: wall time; every host must report [SUCCESS]. */
async function pssh(fleet: SshdFleet, ids: readonly string[]): Promise<number> {
  const run = await timeTool('parallel-ssh', [
    '-i',
    '-p',
    String(FANOUT),
    '-h',
    fleet.hostsFile(ids),
    '-x',
    `${fleet.sshArgs().join(' ')} -oKexAlgorithms=${KEX}`,
    COMMAND,
  ]);
  const succeeded = run.value.stdout.match(/\[SUCCESS\]/g)?.length ?? 0;
  if (run.value.code !== 0 || succeeded !== ids.length) {
    throw new Error(
      `parallel-ssh: exit ${run.value.code}, ${succeeded} of ${ids.length} succeeded: ${run.value.stdout.slice(-2000)}`,
    );
  }
  return run.ms;
}

/** `POST /api/runs` to its answer: the wall time to the last host's result. */
async function ogentRun(
  url: string,
  token: string,
  ids: readonly string[],
): Promise<Timed<RunAnswer>> {
  const started = performance.now();
  const response = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ command: COMMAND, targets: ids, concurrency: FANOUT }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`POST /api/runs: ${response.status} ${text.slice(0, 2000)}`);
  return { ms, value: JSON.parse(text) as RunAnswer };
}

const FINAL = new Set(['succeeded', 'failed', 'refused', 'cancelled', 'skipped']);

/** Requested hosts with a final state in the answer, each once, as far as the summary agrees. */
function accountedFor(answer: RunAnswer, ids: readonly string[]): number {
  const wanted = new Set(ids);
  const final = new Set(
    answer.hosts.filter((h) => wanted.has(h.target) && FINAL.has(h.status)).map((h) => h.target),
  );
  const s = answer.summary;
  return Math.min(final.size, s.succeeded + s.failed + s.refused + s.cancelled + s.skipped);
}

function allSucceeded(answer: RunAnswer, ids: readonly string[]): void {
  const bad = answer.hosts.filter((h) => h.status !== 'succeeded' || h.exitCode !== 0);
  if (
    answer.summary.succeeded !== ids.length ||
    answer.hosts.length !== ids.length ||
    bad.length > 0
  ) {
    throw new Error(
      `POST /api/runs: ${answer.summary.succeeded} of ${ids.length} succeeded (${JSON.stringify(answer.summary)}); e.g. ${JSON.stringify(bad.slice(0, 3))}`,
    );
  }
}

/** Waits until no connection to the fleet is open (a stopped server's have closed). */
async function noConnections(fleet: SshdFleet): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (fleet.connections() > 0) {
    if (performance.now() > deadline) {
      throw new Error(`${fleet.connections()} connections to the fleet still open`);
    }
    await sleep(100);
  }
}

/** The built server on the fleet's config, signed in. */
interface FleetServer {
  readonly url: string;
  readonly pid: number;
  readonly token: string;
  stop(): Promise<void>;
}

async function startServer(configFile: string): Promise<FleetServer> {
  const server = await spawnServer(configFile);
  try {
    return { ...server, token: await login(server.url), stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** One measured Ogent run: its wall time, and the server's CPU and memory around it. */
interface Measured {
  readonly ms: number;
  readonly answer: RunAnswer;
  /** Server CPU time per host, in ms. */
  readonly cpuPerHost: number;
  /** Server RSS growth over the run, in KiB. */
  readonly rssGrowth: number;
}

async function measuredRun(server: FleetServer, ids: readonly string[]): Promise<Measured> {
  const rss = readRss(server.pid);
  const cpu = cpuSeconds(server.pid);
  const run = await ogentRun(server.url, server.token, ids);
  return {
    ms: run.ms,
    answer: run.value,
    cpuPerHost: ((cpuSeconds(server.pid) - cpu) * 1000) / ids.length,
    rssGrowth: (readRss(server.pid) - rss) / 1024,
  };
}

/**
 * Server memory per pooled connection, from a first run (its records and `count` new
 * connections) and the second run on the same hosts (the same records, no new connection).
 */
const perConnection = (cold: Measured, pooled: Measured, count: number): number =>
  (cold.rssGrowth - pooled.rssGrowth) / count;

/**
 * The section: a fleet of `largest` sshd targets and the built server with all of them in its
 * config, as its own process (nothing from the other sections in its memory). Per size and
 * round: a server started afresh (so its first run opens new connections) and warmed up on
 * other targets, Ogent's first run, its second (pooled connections), clush, pssh. Then, on a
 * fresh server, one run on every target.
 */
export async function fleetSection(
  stack: BenchStack,
  plan: FleetPlan,
  log: (text: string) => void,
): Promise<Figure[]> {
  const largestSize = Math.max(...plan.sizes);
  const warmUpCount = Math.min(100, plan.largest - largestSize);
  if (warmUpCount < 1) throw new Error('the fleet needs targets beyond the sizes to warm up on');
  const startedFleet = performance.now();
  const fleet = await startSshdFleet({
    count: plan.largest,
    labels: (i) => ({ role: i % 4 === 0 ? 'db' : 'web', rack: `r${Math.floor(i / 40)}` }),
    // Pooled connections stay for the whole section; a restart of the server empties the pool.
    target: { idleTimeoutMs: 30 * 60_000 },
  });
  log(
    `fleet: ${plan.largest} sshd targets on loopback addresses started in ${(performance.now() - startedFleet).toFixed(0)} ms; fanout ${FANOUT}, ${plan.rounds} round(s) of ${plan.sizes.join(' and ')}`,
  );
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-bench-fleet-'));
  const configFile = path.join(dataDir, 'fleet.yaml');
  const base = benchConfig(stack.sshd, dataDir);
  writeFileSync(
    configFile,
    stringify({
      ...base,
      targets: fleet.targets,
      commands: {
        ...(base.commands as Record<string, unknown>),
        uptime: { path: '/usr/bin/uptime', description: 'How long the system has been running' },
      },
    }),
  );
  const ids = fleet.targets.map((t) => t.id);
  const warmUp = ids.slice(-warmUpCount);
  const figures: Figure[] = [];
  const cpu = { cold: [] as number[], pooled: [] as number[] };
  const rssPerConnection: number[] = [];
  let server: FleetServer | undefined;
  /** A fresh server process: an empty connection pool. */
  const restart = async (): Promise<FleetServer> => {
    await server?.stop();
    server = undefined;
    await noConnections(fleet);
    server = await startServer(configFile);
    return server;
  };
  try {
    for (const size of plan.sizes) {
      const slice = ids.slice(0, size);
      const times = {
        cold: [] as number[],
        pooled: [] as number[],
        clush: [] as number[],
        pssh: [] as number[],
      };
      for (let round = 0; round < plan.rounds; round += 1) {
        const fresh = await restart();
        allSucceeded((await ogentRun(fresh.url, fresh.token, warmUp)).value, warmUp);
        const cold = await measuredRun(fresh, slice);
        allSucceeded(cold.answer, slice);
        const opened = fleet.connections() - warmUp.length;
        const pooled = await measuredRun(fresh, slice);
        allSucceeded(pooled.answer, slice);
        times.cold.push(cold.ms);
        times.pooled.push(pooled.ms);
        cpu.cold.push(cold.cpuPerHost);
        cpu.pooled.push(pooled.cpuPerHost);
        rssPerConnection.push(perConnection(cold, pooled, opened));
        times.clush.push(await clush(fleet, slice));
        times.pssh.push(await pssh(fleet, slice));
        log(
          `  ${size} targets, round ${round + 1}: Ogent ${cold.ms.toFixed(0)} ms first run (${opened} connections opened), ${pooled.ms.toFixed(0)} ms second; clush ${times.clush.at(-1)?.toFixed(0)} ms; parallel-ssh ${times.pssh.at(-1)?.toFixed(0)} ms; server ${cold.cpuPerHost.toFixed(1)} / ${pooled.cpuPerHost.toFixed(1)} cpu-ms per host, ${rssPerConnection.at(-1)?.toFixed(0)} KiB per connection`,
        );
      }
      figures.push(
        {
          id: `fleet.cold_${size}`,
          group: 'Fleet',
          label: `Ogent, uptime on ${size} targets, first run (new connections)`,
          unit: 'ms',
          better: 'lower',
          values: times.cold,
          anchor: `fleet.clush_${size}`,
          note: `POST /api/runs, concurrency ${FANOUT}`,
        },
        {
          id: `fleet.pooled_${size}`,
          group: 'Fleet',
          label: `Ogent, uptime on ${size} targets, second run (pooled connections)`,
          unit: 'ms',
          better: 'lower',
          values: times.pooled,
          anchor: `fleet.cold_${size}`,
        },
        {
          id: `fleet.clush_${size}`,
          group: 'Fleet',
          label: `clush -b -f ${FANOUT}, uptime on ${size} targets`,
          unit: 'ms',
          better: 'lower',
          values: times.clush,
          note: KEX,
        },
        {
          id: `fleet.pssh_${size}`,
          group: 'Fleet',
          label: `parallel-ssh -i -p ${FANOUT}, uptime on ${size} targets`,
          unit: 'ms',
          better: 'lower',
          values: times.pssh,
          anchor: `fleet.clush_${size}`,
          note: KEX,
        },
      );
    }

    const fresh = await restart();
    const rssStart = readRss(fresh.pid);
    const all = await measuredRun(fresh, ids);
    const accounted = accountedFor(all.answer, ids);
    const opened = fleet.connections();
    const again = await measuredRun(fresh, ids);
    allSucceeded(again.answer, ids);
    const rssPooled = readRss(fresh.pid);
    cpu.cold.push(all.cpuPerHost);
    cpu.pooled.push(again.cpuPerHost);
    rssPerConnection.push(perConnection(all, again, opened));
    log(
      `  ${ids.length} targets: ${all.ms.toFixed(0)} ms first run, ${accounted} hosts accounted for (${JSON.stringify(all.answer.summary)}); ${again.ms.toFixed(0)} ms second; server RSS ${mib(rssStart)} MiB at start, ${mib(rssPooled)} MiB with ${opened} pooled connections (${rssPerConnection.at(-1)?.toFixed(0)} KiB each); ${all.cpuPerHost.toFixed(1)} / ${again.cpuPerHost.toFixed(1)} cpu-ms per host`,
    );
    figures.push(
      {
        id: 'fleet.largest',
        group: 'Fleet',
        label: `Ogent, uptime on ${ids.length} targets, first run (server just started)`,
        unit: 'ms',
        better: 'lower',
        values: [all.ms],
      },
      {
        id: 'fleet.largest_accounted',
        group: 'Fleet',
        label: `hosts accounted for in the ${ids.length}-target run`,
        unit: `of ${ids.length}`,
        better: 'higher',
        values: [accounted],
        note: `${all.answer.summary.succeeded} succeeded`,
      },
      {
        id: 'fleet.largest_pooled',
        group: 'Fleet',
        label: `Ogent, uptime on ${ids.length} targets, second run (pooled connections)`,
        unit: 'ms',
        better: 'lower',
        values: [again.ms],
        anchor: 'fleet.largest',
      },
      {
        id: 'fleet.rss_pooled',
        group: 'Fleet',
        label: `server RSS after two runs on ${ids.length} targets, ${opened} connections pooled`,
        unit: 'MiB',
        better: 'lower',
        values: [rssPooled / 1024 ** 2],
        note: `${mib(rssStart)} MiB just started`,
      },
      {
        id: 'fleet.rss_per_connection',
        group: 'Fleet',
        label: 'server RSS per pooled connection (first run growth less second run growth)',
        unit: 'KiB',
        better: 'lower',
        values: rssPerConnection,
        note: 'each round, and the largest run',
      },
      {
        id: 'fleet.cpu_cold',
        group: 'Fleet',
        label: 'server CPU time per host, uptime, first run (handshake included)',
        unit: 'cpu-ms/host',
        better: 'lower',
        values: cpu.cold,
      },
      {
        id: 'fleet.cpu_pooled',
        group: 'Fleet',
        label: 'server CPU time per host, uptime, second run (pooled connections)',
        unit: 'cpu-ms/host',
        better: 'lower',
        values: cpu.pooled,
      },
    );
  } finally {
    await server?.stop();
    await fleet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

/** The fleet goals of PERF.md, from the summarised figures. */
export function fleetGoals(figures: Results['figures']): Goal[] {
  const get = (id: string) => figures.find((f) => f.id === id);
  const out: Goal[] = [];
  for (const figure of figures) {
    const size = /^fleet\.cold_(\d+)$/.exec(figure.id)?.[1];
    if (size === undefined) continue;
    const clushTime = get(`fleet.clush_${size}`);
    const pooled = get(`fleet.pooled_${size}`);
    if (clushTime !== undefined && figure.ratio !== undefined) {
      out.push({
        label: `Fleet: uptime on ${size} targets, first run at or below clush -b with the same fanout`,
        measured: `${figure.summary.median.toFixed(0)} vs ${clushTime.summary.median.toFixed(0)} ms; ratio ${figure.ratio.median.toFixed(2)} (${figure.ratio.min.toFixed(2)}-${figure.ratio.max.toFixed(2)})`,
        met: figure.summary.median <= clushTime.summary.median,
      });
    }
    if (pooled?.ratio !== undefined) {
      const speedup = 1 / pooled.ratio.median;
      out.push({
        label: `Fleet: second run on ${size} targets (pooled connections) several (3+) times faster`,
        measured: `${pooled.summary.median.toFixed(0)} vs ${figure.summary.median.toFixed(0)} ms: ${speedup.toFixed(1)}x`,
        met: speedup >= 3,
      });
    }
  }
  const accounted = get('fleet.largest_accounted');
  if (accounted !== undefined) {
    const total = Number(accounted.unit.replace(/^of /, ''));
    out.push({
      label: `Fleet: ${total} targets in one run, every host accounted for`,
      measured: `${accounted.summary.min} of ${total}${accounted.note === undefined ? '' : ` (${accounted.note})`}`,
      met: accounted.summary.min === total,
    });
  }
  return out;
}
