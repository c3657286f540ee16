import { TokenRejectedError } from './errors.js';

/**
 * Where following a stream stands (not the execution's or the run's own status): `idle` before
 * `start()` and after `stop()`; `connecting` until the server has taken the subscription;
 * `live` while events can arrive; `reconnecting` after the WebSocket dropped, until the
 * subscription is back (it resumes after the last event received); `ended` after the end event;
 * `failed` when the server refused or broke off the stream (see {@link Follower.error}).
 */
export type FollowPhase = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** What a subscription calls back with: tRPC's observer, with the event out of its envelope. */
export interface StreamObserver<Event> {
  onStarted(): void;
  onData(event: Event): void;
  onError(error: unknown): void;
  onComplete(): void;
  onConnectionStateChange(state: { readonly state: string; readonly error?: unknown }): void;
}

/** Opens one subscription that starts right after event `after` (0: from the first event). */
export type OpenStream<Event> = (
  after: number,
  observer: StreamObserver<Event>,
) => { unsubscribe(): void };

/** Hears of a follower's events (each once, in order) and of its phase changes. */
export interface FollowListener<Event> {
  readonly event?: (event: Event) => void;
  readonly phase?: (phase: FollowPhase) => void;
}

export interface FollowerOptions<Event> {
  readonly open: OpenStream<Event>;
  /** Whether this is the stream's last event: the follower stops after it. */
  readonly isEnd: (event: Event) => boolean;
  /** Resume after this event's seq (default 0: from the start). */
  readonly after?: number;
  /** Called with a listener for the token being refused; returns how to stop listening. */
  readonly watchTokenRejected?: (listener: (closeCode: number) => void) => () => void;
  /** Aborting stops following for good, as `stop()` does; `start()` is then a no-op. */
  readonly signal?: AbortSignal;
}

/**
 * Follows one stream of events numbered by a growing `seq` (an execution's output, a run's
 * progress): subscribes, reports its phase, and delivers each event once, in order, whatever
 * happens to the connection. After a dropped WebSocket the subscription comes back with the last
 * seq received as `lastEventId`, so the server resumes right after it; `stop()` then `start()`
 * resumes the same way, which is how a reader that fell behind pauses the stream. Listeners are
 * called synchronously, which makes a follower a source for a view's external store.
 */
export class Follower<Event extends { readonly seq: number }> {
  private phaseValue: FollowPhase = 'idle';
  private errorValue: unknown = null;
  private lastSeqValue: number;
  /** Marks the subscription in use: callbacks of any other (an old one) are ignored. */
  private current: object | null = null;
  private subscription: { unsubscribe(): void } | null = null;
  private stopWatchingToken: (() => void) | null = null;
  private readonly listeners = new Set<FollowListener<Event>>();

  constructor(private readonly options: FollowerOptions<Event>) {
    this.lastSeqValue = options.after ?? 0;
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  get phase(): FollowPhase {
    return this.phaseValue;
  }

  /** Why the stream failed (phase `failed`), else null. */
  get error(): unknown {
    return this.errorValue;
  }

  /** The seq of the last event delivered: where a new subscription resumes. */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  /** Adds a listener; returns how to remove it. */
  listen(listener: FollowListener<Event>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts following, or resumes after the last event delivered: after `stop()`, or as a retry
   * after a failure. A no-op while following, once it ended, or once its signal aborted.
   */
  start(): void {
    if (this.current !== null || this.phaseValue === 'ended') return;
    if (this.options.signal?.aborted === true) return;
    this.errorValue = null;
    const watch = this.options.watchTokenRejected;
    this.stopWatchingToken ??= watch?.((code) => this.fail(new TokenRejectedError(code))) ?? null;
    const token = {};
    this.current = token;
    this.setPhase('connecting');
    const mine = (): boolean => this.current === token;
    const subscription = this.options.open(this.lastSeqValue, {
      onStarted: () => {
        if (mine()) this.setPhase('live');
      },
      onData: (event) => {
        if (mine()) this.receive(event);
      },
      onError: (error) => {
        if (mine()) this.fail(error);
      },
      onComplete: () => {
        // The server completes a stream only after its end event.
        if (mine()) this.fail(new Error('The server stopped the stream before its end'));
      },
      onConnectionStateChange: (state) => {
        if (mine() && state.state === 'connecting' && state.error != null) {
          this.setPhase('reconnecting');
        }
      },
    });
    // It may have ended (or failed) while subscribing.
    if (mine()) this.subscription = subscription;
    else subscription.unsubscribe();
  }

  /** Stops following (nothing is delivered until `start()`); the server lets go of it. */
  stop(): void {
    // Not subscribed: idle already, over, or delivering its end event.
    if (this.current === null) return;
    this.release();
    this.setPhase('idle');
  }

  private receive(event: Event): void {
    const end = this.options.isEnd(event);
    // Sequence numbers only grow: anything at or before the last one was delivered already.
    if (event.seq <= this.lastSeqValue && !end) return;
    this.lastSeqValue = Math.max(this.lastSeqValue, event.seq);
    if (end) this.release();
    for (const listener of [...this.listeners]) listener.event?.(event);
    // A listener may have stopped it meanwhile (a reader that fell behind).
    if (end) this.setPhase('ended');
    else if (this.current !== null) this.setPhase('live');
  }

  private fail(error: unknown): void {
    if (this.phaseValue === 'ended' || this.phaseValue === 'failed') return;
    this.errorValue = error;
    this.release();
    this.setPhase('failed');
  }

  private release(): void {
    const subscription = this.subscription;
    this.current = null;
    this.subscription = null;
    subscription?.unsubscribe();
    this.stopWatchingToken?.();
    this.stopWatchingToken = null;
  }

  private setPhase(phase: FollowPhase): void {
    if (phase === this.phaseValue) return;
    this.phaseValue = phase;
    for (const listener of [...this.listeners]) listener.phase?.(phase);
  }
}
