import type { ExitEvent, OutputEvent, OutputStreamName } from './events.js';

export interface OutputQueueOptions {
  /** Above this many queued bytes the producer is paused; below half of it, resumed. */
  readonly highWaterMark: number;
  /** Largest merged chunk handed to the consumer. */
  readonly maxChunkBytes: number;
  /** Called with true to pause the producer, false to resume it. */
  readonly onPressure: (paused: boolean) => void;
}

/**
 * The hand-over between a process's output streams and whoever iterates the execution. It applies
 * backpressure (a slow consumer pauses the streams, which on SSH stops the channel window so the
 * remote program blocks) and, when the consumer lags, merges consecutive chunks of one stream so
 * it receives fewer, larger pieces.
 */
export class OutputQueue implements AsyncIterable<OutputEvent | ExitEvent> {
  private readonly items: OutputEvent[] = [];
  private queuedBytes = 0;
  private paused = false;
  private final: ExitEvent | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OutputQueueOptions) {}

  push(stream: OutputStreamName, data: Buffer): void {
    if (this.final !== undefined || data.length === 0) return;
    this.items.push({ type: 'output', stream, data });
    this.queuedBytes += data.length;
    if (!this.paused && this.queuedBytes > this.options.highWaterMark) {
      this.paused = true;
      this.options.onPressure(true);
    }
    this.notify();
  }

  /** Queues the final event; output pushed after it is dropped. */
  finish(event: ExitEvent): void {
    if (this.final !== undefined) return;
    this.final = event;
    this.notify();
  }

  get finished(): boolean {
    return this.final !== undefined;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private take(): OutputEvent | undefined {
    const first = this.items.shift();
    if (first === undefined) return undefined;
    const parts = [first.data];
    let size = first.data.length;
    for (;;) {
      const next = this.items[0];
      if (next?.stream !== first.stream || size + next.data.length > this.options.maxChunkBytes) {
        break;
      }
      this.items.shift();
      parts.push(next.data);
      size += next.data.length;
    }
    this.queuedBytes -= size;
    if (this.paused && this.queuedBytes <= this.options.highWaterMark / 2) {
      this.paused = false;
      this.options.onPressure(false);
    }
    return parts.length === 1
      ? first
      : { type: 'output', stream: first.stream, data: Buffer.concat(parts, size) };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<OutputEvent | ExitEvent, void, undefined> {
    for (;;) {
      const item = this.take();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.final !== undefined) {
        yield this.final;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
