import type { ApiClient } from '../api/client';
import { VersionedSource } from '../output/use-frame-version';
import type { RunHost, RunProgressEvent, RunStatus, RunSummary } from './types';

/** Where watching a run stands (not the run's own status). */
export type ProgressPhase = 'connecting' | 'streaming' | 'reconnecting' | 'ended' | 'failed';

/**
 * A run's hosts as `runs.onProgress` reports them, kept in a Map by target: each event carries
 * only the hosts that changed, in their latest state, so applying one costs what it holds, not
 * what the run holds. Listeners hear of every event; views re-render at most once a frame, and
 * not more often than they choose (useFrameVersion), however many events a thousand hosts send.
 *
 * Events are tracked: after a dropped connection the WebSocket link resubscribes with the last
 * event id and the server resumes right after it. A host's `version` also orders its states, so
 * nothing older ever replaces something newer.
 */
export class RunProgress extends VersionedSource {
  readonly hosts = new Map<string, RunHost>();
  private summaryValue: RunSummary | null = null;
  private statusValue: RunStatus | null = null;
  private stopReasonValue: string | null = null;
  private phaseValue: ProgressPhase = 'connecting';
  private errorValue: unknown = null;
  private lastSeq = 0;
  private subscription: { unsubscribe(): void } | null = null;

  constructor(
    private readonly client: ApiClient['trpc'],
    readonly runId: string,
  ) {
    super();
  }

  get summary(): RunSummary | null {
    return this.summaryValue;
  }

  /** The run's status as last reported; null before the first event. */
  get status(): RunStatus | null {
    return this.statusValue;
  }

  get stopReason(): string | null {
    return this.stopReasonValue;
  }

  get phase(): ProgressPhase {
    return this.phaseValue;
  }

  get error(): unknown {
    return this.errorValue;
  }

  /** Starts (or resumes, after stop) watching. */
  start(): void {
    if (this.subscription !== null || this.phaseValue === 'ended') return;
    this.subscription = this.client.runs.onProgress.subscribe(
      {
        runId: this.runId,
        ...(this.lastSeq > 0 ? { lastEventId: String(this.lastSeq) } : {}),
      },
      {
        onData: ({ data }) => this.apply(data),
        onError: (error) => {
          this.errorValue = error;
          this.subscription = null;
          this.setPhase('failed');
        },
        onConnectionStateChange: (state) => {
          if (this.phaseValue === 'ended' || this.phaseValue === 'failed') return;
          if (state.state === 'connecting' && state.error !== null) this.setPhase('reconnecting');
          else if (state.state === 'pending' && this.phaseValue === 'reconnecting') {
            this.setPhase('streaming');
          }
        },
      },
    );
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** Takes one event in (exposed for tests). */
  apply(event: RunProgressEvent): void {
    // A resumed subscription starts after the last seq: anything at or before it is old.
    if (event.seq <= this.lastSeq && event.type === 'hosts') return;
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    this.summaryValue = event.summary;
    this.statusValue = event.status;
    if (event.type === 'hosts') {
      for (const host of event.hosts) {
        const known = this.hosts.get(host.target);
        if (known === undefined || host.version >= known.version) this.hosts.set(host.target, host);
      }
      if (this.phaseValue !== 'streaming') this.phaseValue = 'streaming';
    } else {
      this.stopReasonValue = event.stopReason;
      this.phaseValue = 'ended';
      this.stop();
    }
    this.changed();
  }

  private setPhase(phase: ProgressPhase): void {
    if (phase === this.phaseValue) return;
    this.phaseValue = phase;
    this.changed();
  }
}
