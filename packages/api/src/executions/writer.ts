import { type Clock, type TimerHandle, systemClock } from '@ogent/executor';
import type { Logger } from '../logger.js';
import type { OutputLog } from '../ports/output-log.js';
import type { StoredChunk } from '../domain/execution.js';

export interface OutputWriterOptions {
  /** A batch is written at the latest this long after its first chunk. */
  readonly flushIntervalMs: number;
  /** A batch this large is written at once. */
  readonly flushBytes: number;
  /** Above this many unwritten bytes, producers wait (and so, in turn, pause their commands). */
  readonly maxPendingBytes: number;
  /**
   * How long a batch that could not be stored (the database away) is retried, while its
   * commands wait, before it is given up (and only live watchers got it).
   */
  readonly retryForMs: number;
}

export const WRITER_DEFAULTS: OutputWriterOptions = {
  flushIntervalMs: 20,
  flushBytes: 1024 * 1024,
  maxPendingBytes: 4 * 1024 * 1024,
  retryForMs: 60_000,
};

/** First retry of a failed write, doubled up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 2_000;

/**
 * Batches output chunks of all running executions into few large transactions, off the live
 * path: a chunk is streamed to watchers as soon as it arrives and written to the store within
 * `flushIntervalMs`. One flush runs at a time; `flushed` tells the caller which chunks are safe
 * to drop from memory.
 */
export class OutputWriter {
  private pending: StoredChunk[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private roomWaiters: (() => void)[] = [];
  /** Chunks added, and chunks whose batch has been handled, since the start: flush marks. */
  private added = 0;
  private handled = 0;
  /** Since when writes fail, and the delay before the next try. */
  private failingSince: number | undefined;
  private retryDelay = RETRY_FIRST_MS;
  /** No write before this (clock time): backing off after a failure. */
  private retryAt = 0;

  constructor(
    private readonly store: OutputLog,
    private readonly logger: Logger,
    private readonly flushed: (chunks: readonly StoredChunk[]) => void,
    private readonly options: OutputWriterOptions = WRITER_DEFAULTS,
    private readonly clock: Clock = systemClock,
  ) {}

  add(chunk: StoredChunk): void {
    this.added += 1;
    this.pending.push(chunk);
    this.pendingBytes += chunk.data.length;
    if (this.pendingBytes >= this.options.flushBytes) this.kick();
    else this.timer ??= this.clock.setTimeout(() => this.kick(), this.options.flushIntervalMs);
  }

  /** Whether a producer may add more now without waiting. */
  get hasRoom(): boolean {
    return this.pendingBytes + this.inFlightBytes <= this.options.maxPendingBytes;
  }

  /** Resolves once there is room for more: the backpressure point for producers. */
  async waitForRoom(): Promise<void> {
    while (this.pendingBytes + this.inFlightBytes > this.options.maxPendingBytes) {
      this.kick();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /**
   * Resolves once everything added before the call is stored. Output added meanwhile (by other
   * executions) does not hold it up: batches are stored in order, so a count is a mark.
   */
  async flush(): Promise<void> {
    const mark = this.added;
    while (this.handled < mark) {
      this.kick();
      // Backing off after a failure, nothing runs: wait for the next attempt to end.
      await (this.running ?? new Promise<void>((resolve) => this.roomWaiters.push(resolve)));
    }
  }

  private kick(): void {
    const wait = this.retryAt - this.clock.now();
    if (wait > 0) {
      // Whatever timer called this (a flush interval) has fired: set the retry's own.
      this.timer?.cancel();
      this.timer = this.clock.setTimeout(() => this.kick(), wait);
      return;
    }
    this.timer?.cancel();
    this.timer = undefined;
    if (this.running !== undefined || this.pending.length === 0) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlightBytes = bytes;
    let retry = false;
    this.running = this.store
      .appendOutput(batch)
      .then(
        () => {
          this.failingSince = undefined;
          this.retryDelay = RETRY_FIRST_MS;
          this.flushed(batch);
        },
        (error: unknown) => {
          const now = this.clock.now();
          this.failingSince ??= now;
          if (now - this.failingSince < this.options.retryForMs) {
            // The database may be back in a moment: keep the batch, first in line, and let the
            // commands wait (their producers see no room) rather than lose their output.
            if (this.retryDelay === RETRY_FIRST_MS) {
              this.logger.warn({ err: error }, 'failed to store output; retrying');
            }
            this.pending = [...batch, ...this.pending];
            this.pendingBytes += bytes;
            retry = true;
            return;
          }
          // Away for too long: live watchers got the output; history loses this batch.
          this.logger.error({ err: error, chunks: batch.length }, 'failed to store output');
          this.flushed(batch);
        },
      )
      .finally(() => {
        if (!retry) this.handled += batch.length;
        this.inFlightBytes = 0;
        this.running = undefined;
        const waiters = this.roomWaiters;
        this.roomWaiters = [];
        for (const wake of waiters) wake();
        if (retry) {
          const delay = this.retryDelay;
          this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
          this.retryAt = this.clock.now() + delay;
          this.timer?.cancel();
          this.timer = this.clock.setTimeout(() => this.kick(), delay);
        } else if (this.pending.length > 0) {
          if (this.pendingBytes >= this.options.flushBytes) this.kick();
          else
            this.timer ??= this.clock.setTimeout(() => this.kick(), this.options.flushIntervalMs);
        }
      });
  }
}
