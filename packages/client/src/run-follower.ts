import type { RunStatus } from './contract.js';
import { type FollowListener, type FollowPhase, Follower } from './follower.js';
import { type FollowDeps, progressStream } from './streams.js';
import type { RunEnd, RunHost, RunProgressEvent, RunSummary } from './types.js';

export interface WatchOptions {
  /** Resume after this seq (default 0: from the start). */
  readonly after?: number;
  /** Aborting stops following for good; a pending `result()` rejects with the reason. */
  readonly signal?: AbortSignal;
}

/**
 * Applies the hosts of one progress event: each replaces the host's known state unless that is
 * newer (a host's `version` orders its states), so nothing older ever overwrites something newer.
 */
export function mergeHosts(hosts: Map<string, RunHost>, changed: readonly RunHost[]): void {
  for (const host of changed) {
    const known = hosts.get(host.target);
    if (known === undefined || host.version >= known.version) hosts.set(host.target, host);
  }
}

/**
 * Follows a fleet run's progress (`runs.onProgress`): every host in its latest state, the summary,
 * the run's status, then its end. Each event carries only the hosts that changed, so applying one
 * costs what it holds, not what the run holds. A dropped connection resumes right after the last
 * event; listeners hear of each event once, after it is applied, and of each phase change, which
 * makes this a source for a view's external store (`listen` to subscribe, the getters as the
 * snapshot). Not started until `start()` or `result()`.
 */
export class RunFollower {
  private readonly follower: Follower<RunProgressEvent>;
  private readonly hostsByTarget = new Map<string, RunHost>();
  private summaryValue: RunSummary | null = null;
  private statusValue: RunStatus | null = null;
  private endValue: RunEnd | null = null;

  constructor(
    deps: FollowDeps,
    readonly runId: string,
    private readonly options: WatchOptions = {},
  ) {
    this.follower = new Follower({
      open: progressStream(deps.trpc, runId),
      isEnd: (event) => event.type === 'end',
      after: options.after ?? 0,
      watchTokenRejected: deps.watchTokenRejected,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    // First of the listeners, so the others see the event applied.
    this.follower.listen({ event: (event) => this.apply(event) });
  }

  get phase(): FollowPhase {
    return this.follower.phase;
  }

  /** Why following failed (phase `failed`), else null. */
  get error(): unknown {
    return this.follower.error;
  }

  /** The seq of the last event applied: `{ after }` for a follower that resumes from here. */
  get lastSeq(): number {
    return this.follower.lastSeq;
  }

  /** Every host heard of, by target, in its latest state. */
  get hosts(): ReadonlyMap<string, RunHost> {
    return this.hostsByTarget;
  }

  /** The counts after the last event; null before the first. */
  get summary(): RunSummary | null {
    return this.summaryValue;
  }

  /** The run's status as last reported; null before the first event. */
  get status(): RunStatus | null {
    return this.statusValue;
  }

  /** The end event (final status, why it stopped, the counts), once the run has ended. */
  get end(): RunEnd | null {
    return this.endValue;
  }

  /** Adds a listener for events (after they are applied) and phase changes; returns its removal. */
  listen(listener: FollowListener<RunProgressEvent>): () => void {
    return this.follower.listen(listener);
  }

  /** Starts following, or resumes after the last event. */
  start(): void {
    this.follower.start();
  }

  /** Stops following until `start()`; the server lets go of the subscription. */
  stop(): void {
    this.follower.stop();
  }

  /**
   * Follows the run to its end (starting, or retrying after a failure, if needed) and gives the
   * end event. Rejects when the stream fails, or with the signal's reason when aborted.
   */
  result(): Promise<RunEnd> {
    if (this.endValue !== null) return Promise.resolve(this.endValue);
    const { signal } = this.options;
    // As fetch does: the abort's reason, whatever the caller gave.
    if (signal?.aborted === true) return Promise.reject(signal.reason as unknown);
    return new Promise((resolve, reject) => {
      const stopListening = this.listen({
        phase: (phase) => {
          if (phase === 'ended' && this.endValue !== null) resolve(this.endValue);
          else if (phase === 'failed') reject(this.follower.error);
          else if (phase === 'idle' && signal?.aborted === true) reject(signal.reason as unknown);
          else return;
          stopListening();
        },
      });
      this.start();
    });
  }

  private apply(event: RunProgressEvent): void {
    this.summaryValue = event.summary;
    this.statusValue = event.status;
    switch (event.type) {
      case 'hosts':
        mergeHosts(this.hostsByTarget, event.hosts);
        break;
      case 'end':
        this.endValue = event;
        break;
    }
  }
}
