import type { ApiClient } from '../api/client';
import { OutputBuffer } from '../output/output-buffer';
import { VersionedSource } from '../output/use-frame-version';

/** Where watching an execution stands (not the execution's own status). */
export type FeedPhase = 'connecting' | 'streaming' | 'reconnecting' | 'ended' | 'failed';

/**
 * Follows one execution's output into an OutputBuffer, from the first event (a finished
 * execution replays from the store, a running one goes on live). The WebSocket link sends the
 * last event id again after a reconnect, so the server resumes right after it; the buffer also
 * drops anything it has seen, by seq.
 */
export class ExecutionFeed extends VersionedSource {
  readonly buffer = new OutputBuffer();
  private phaseValue: FeedPhase = 'connecting';
  private errorValue: unknown = null;
  private subscription: { unsubscribe(): void } | null = null;

  constructor(
    private readonly client: ApiClient['trpc'],
    readonly executionId: string,
  ) {
    super();
    this.buffer.subscribe(() => this.changed());
  }

  get phase(): FeedPhase {
    return this.phaseValue;
  }

  get error(): unknown {
    return this.errorValue;
  }

  /** Starts (or resumes, after stop) watching. */
  start(): void {
    if (this.subscription !== null || this.phaseValue === 'ended') return;
    const lastSeq = this.buffer.lastSeq;
    this.subscription = this.client.exec.onOutput.subscribe(
      { executionId: this.executionId, ...(lastSeq > 0 ? { lastEventId: String(lastSeq) } : {}) },
      {
        onData: ({ data }) => {
          this.buffer.push(data);
          if (data.type === 'end') {
            this.setPhase('ended');
            this.stop();
          } else if (this.phaseValue !== 'streaming') {
            this.setPhase('streaming');
          }
        },
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

  private setPhase(phase: FeedPhase): void {
    if (phase === this.phaseValue) return;
    this.phaseValue = phase;
    this.changed();
  }
}
