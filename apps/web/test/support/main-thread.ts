import type { Browser, Page } from 'playwright-core';

/** What the page's main thread did while traced: its tasks' wall time and CPU time. */
export interface MainThreadTasks {
  /** Tasks whose wall time was over 50 ms (the Long Tasks API's threshold). */
  readonly longTasks: number;
  /** The longest task, wall time (ms): what a user waits, machine load included. */
  readonly longestWallMs: number;
  /** The most CPU time one task took (ms): the page's own work, whatever else the machine runs. */
  readonly longestCpuMs: number;
  /** The wall time of that same task (ms). */
  readonly longestCpuTaskWallMs: number;
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly args?: { readonly name?: string };
}

/**
 * Traces the renderers' main threads (Chromium's `toplevel` category) while `action` runs, and
 * sums up their tasks. Both measures come from the same tasks: wall time, as the Long Tasks API
 * reports it, and thread CPU time. On two shared cores a task of 20 ms of CPU can take hundreds
 * of ms of wall time while the server under test or another job holds the CPU; the CPU time
 * tells the page's work from the machine's load.
 */
export async function traceMainThread(
  browser: Browser,
  page: Page,
  action: () => Promise<void>,
): Promise<MainThreadTasks> {
  await browser.startTracing(page, { categories: ['toplevel'] });
  let trace: Buffer;
  try {
    await action();
  } finally {
    trace = await browser.stopTracing();
  }
  const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const mainThreads = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  let longTasks = 0;
  let longestWallMs = 0;
  let longestCpuMs = 0;
  let longestCpuTaskWallMs = 0;
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask') continue;
    if (!mainThreads.has(`${e.pid}:${e.tid}`)) continue;
    const wall = (e.dur ?? 0) / 1000;
    const cpu = (e.tdur ?? e.dur ?? 0) / 1000;
    if (wall > 50) longTasks += 1;
    longestWallMs = Math.max(longestWallMs, wall);
    if (cpu > longestCpuMs) {
      longestCpuMs = cpu;
      longestCpuTaskWallMs = wall;
    }
  }
  if (mainThreads.size === 0) throw new Error('the trace has no renderer main thread');
  return { longTasks, longestWallMs, longestCpuMs, longestCpuTaskWallMs };
}
