import type { EndMessage, OutputChunk } from '../domain/execution.js';
import type { LiveBus, LiveRead } from '../ports/live-bus.js';

/** Bytes of recent output kept per running execution, for watchers that keep up. */
const TAIL_BYTES = 2 * 1024 * 1024;
/**
 * While output streams, waiting watchers are woken at most this often, so that each wake-up
 * reads what came meanwhile and sends it as a few large messages instead of one small message
 * per chunk (every message costs the same encoding, framing and system call whatever its size).
 * The first chunk after a pause, and the end, wake them at once.
 */
const WAKE_INTERVAL_MS = 4;

/**
 * One execution's stream: the recent output (everything not yet stored, plus a window of what
 * is), the end once there is one, and a way to wait for either. Watchers that fall behind the
 * window read the output log instead, so memory stays bounded however many watchers there are
 * and however slow they are.
 */
class Stream {
  lastSeq = 0;
  outputBytes = 0;
  end: EndMessage | undefined;
  private tail: OutputChunk[] = [];
  private tailBytes = 0;
  private storedSeq = 0;
  /** Created when a watcher waits, settled at the next change: no promise per chunk otherwise. */
  private changed: { promise: Promise<void>; resolve: () => void } | undefined;
  /** When waiters were last woken, and the timer of the next wake-up if one is due. */
  private wokenAt = -Infinity;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;

  append(chunk: OutputChunk): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.data.length;
    this.lastSeq = chunk.seq;
    this.outputBytes += chunk.data.length;
    this.evict();
    this.wakeSoon();
  }

  stored(seq: number): void {
    if (seq > this.storedSeq) this.storedSeq = seq;
    this.evict();
  }

  finish(end: EndMessage): void {
    this.end = end;
    this.notify();
  }

  read(fromSeq: number, maxBytes: number): LiveRead {
    const first = this.tail[0];
    if (fromSeq > this.lastSeq) return { state: 'live', chunks: [], end: this.end };
    if (first === undefined || fromSeq < first.seq) return { state: 'behind' };
    const chunks: OutputChunk[] = [];
    let bytes = 0;
    for (let i = fromSeq - first.seq; i < this.tail.length; i += 1) {
      const chunk = this.tail[i];
      // Up to maxBytes, and at least one chunk so that a read always makes progress.
      if (chunk === undefined || (chunks.length > 0 && bytes + chunk.data.length > maxBytes)) break;
      chunks.push(chunk);
      bytes += chunk.data.length;
    }
    const complete = chunks.at(-1)?.seq === this.lastSeq;
    return { state: 'live', chunks, end: complete ? this.end : undefined };
  }

  wait(afterSeq: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.lastSeq > afterSeq || this.end !== undefined) {
      return Promise.resolve();
    }
    if (this.changed === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.changed = { promise, resolve };
    }
    const changed = this.changed.promise;
    return new Promise((resolve) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void changed.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Wakes the waiters now, or WAKE_INTERVAL_MS after the last time if that is sooner. */
  private wakeSoon(): void {
    if (this.changed === undefined || this.wakeTimer !== undefined) return;
    const due = this.wokenAt + WAKE_INTERVAL_MS - performance.now();
    if (due <= 0) this.notify();
    else this.wakeTimer = setTimeout(() => this.notify(), due);
  }

  /** Wakes every waiter at once (the end, or the stream going away). */
  notify(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wokenAt = performance.now();
    const changed = this.changed;
    this.changed = undefined;
    changed?.resolve();
  }

  private evict(): void {
    while (this.tailBytes > TAIL_BYTES) {
      const first = this.tail[0];
      if (first === undefined || first.seq > this.storedSeq) return;
      this.tail.shift();
      this.tailBytes -= first.data.length;
    }
  }
}

/** The single node's live bus: streams in this process's memory. */
export class InProcessLiveBus implements LiveBus {
  private readonly streams = new Map<string, Stream>();

  open(executionId: string): void {
    if (!this.streams.has(executionId)) this.streams.set(executionId, new Stream());
  }

  publish(executionId: string, chunk: OutputChunk): void {
    this.streams.get(executionId)?.append(chunk);
  }

  stored(executionId: string, seq: number): void {
    this.streams.get(executionId)?.stored(seq);
  }

  end(executionId: string, end: EndMessage): void {
    this.streams.get(executionId)?.finish(end);
  }

  close(executionId: string): void {
    const stream = this.streams.get(executionId);
    this.streams.delete(executionId);
    stream?.notify();
  }

  read(executionId: string, fromSeq: number, maxBytes: number): Promise<LiveRead> {
    const stream = this.streams.get(executionId);
    return Promise.resolve(
      stream === undefined ? { state: 'absent' } : stream.read(fromSeq, maxBytes),
    );
  }

  wait(executionId: string, afterSeq: number, signal: AbortSignal): Promise<void> {
    return this.streams.get(executionId)?.wait(afterSeq, signal) ?? Promise.resolve();
  }

  progress(executionId: string): { lastSeq: number; outputBytes: number } | undefined {
    const stream = this.streams.get(executionId);
    return stream === undefined
      ? undefined
      : { lastSeq: stream.lastSeq, outputBytes: stream.outputBytes };
  }
}
