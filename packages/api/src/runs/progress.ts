import type { Clock } from '@ogent/executor';
import type { RunFeed, RunStore } from '../ports/runs.js';
import { summarize } from './plan.js';
import type { RunProgressEvent, RunRecord, RunSummary } from '../domain/run.js';

export interface RunProgressDeps {
  readonly store: RunStore;
  readonly feed: RunFeed;
  readonly clock: Clock;
  /** A watcher looks again after this long even when no change was heard (a lost message). */
  readonly tickMs: number;
}

/**
 * Run progress: changes are published on the run feed, so that a watcher on any instance wakes
 * within the feed's latency and reads the hosts changed since the last progress number it sent.
 */
export class RunProgress {
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: RunProgressDeps) {
    this.unsubscribe = deps.feed.subscribe((runId) => {
      for (const listener of [...(this.listeners.get(runId) ?? [])]) listener();
    });
  }

  /** Says that the run changed, to watchers here and on every other instance. */
  changed(runId: string): void {
    this.deps.feed.publish(runId);
  }

  /** Stops hearing the feed. */
  close(): void {
    this.unsubscribe();
  }

  /**
   * The run's progress: first every host changed after `afterSeq` (all of them from 0), then
   * each change as it happens, batched; then one `end`. Each host arrives in its latest state,
   * so a watcher that resumes after the last `seq` it saw misses no change and sees none twice.
   */
  async *watch(
    id: string,
    afterSeq: number,
    signal: AbortSignal,
    notFound: () => Error,
  ): AsyncGenerator<RunProgressEvent, void, undefined> {
    const { store } = this.deps;
    let seq = afterSeq;
    while (!signal.aborted) {
      // Listening before reading: a change made meanwhile wakes the next round.
      const woken = this.nextChange(id, signal);
      try {
        const run = await store.get(id);
        if (run === undefined) throw notFound();
        const hosts = await store.hosts(id, { afterVersion: seq });
        if (hosts.length > 0) {
          seq = Math.max(seq, ...hosts.map((h) => h.version));
          const summary = await this.summary(run);
          yield { type: 'hosts', seq, status: run.status, hosts, summary };
        }
        if (run.status !== 'running') {
          // An ended run changes no more: every host has been sent. The end numbers one past
          // the last change.
          yield {
            type: 'end',
            seq: run.version + 1,
            status: run.status,
            stopReason: run.stopReason,
            summary: await this.summary(run),
          };
          return;
        }
        await woken.promise;
      } finally {
        woken.cancel();
      }
    }
  }

  private async summary(run: RunRecord): Promise<RunSummary> {
    return summarize(await this.deps.store.counts(run.id), run.total);
  }

  /** Resolves at the run's next change heard on the feed, after a tick, or on abort. */
  private nextChange(id: string, signal: AbortSignal): { promise: Promise<void>; cancel(): void } {
    let done = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      done = resolve;
    });
    const listeners = this.listeners.get(id) ?? new Set();
    this.listeners.set(id, listeners);
    listeners.add(done);
    const timer = this.deps.clock.setTimeout(done, this.deps.tickMs);
    const onAbort = (): void => done();
    signal.addEventListener('abort', onAbort, { once: true });
    return {
      promise,
      cancel: () => {
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        listeners.delete(done);
        if (listeners.size === 0) this.listeners.delete(id);
      },
    };
  }
}
