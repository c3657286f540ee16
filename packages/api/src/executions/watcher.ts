import type { Clock } from '@ogent/executor';
import type { AuthUser } from '../auth/service.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { OutputLog } from '../ports/output-log.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { ExecutionAccess } from './access.js';
import { type JoinBytes, endMessageFromRecord, joinBytes, toMessages } from './messages.js';
import type { ExecutionMessage, ExecutionRecord, OutputChunk } from './types.js';

/** Waits until the client can take more (WebSocket backpressure). */
export type ReadyFn = () => Promise<void>;

const noWait: ReadyFn = () => Promise.resolve();

/** Where a watcher's messages go: when the client can take more, and how merged data is made. */
interface Delivery {
  readonly ready: ReadyFn;
  readonly join: JoinBytes;
}

/** Output read per step by a watcher: split into messages, each awaited before the next. */
const READ_BATCH_BYTES = 1024 * 1024;
/** How often the log is read for an execution that runs where the live bus does not reach. */
export const REMOTE_POLL_MS = 250;
/** After this long without news of a running execution, its record is looked at. */
export const QUIET_MS = 3_000;

/**
 * Follows executions: output after a seq, then the end, from the live bus while it holds them
 * and from the output log otherwise. Watching never starts or changes anything.
 */
export class Watcher {
  constructor(
    private readonly deps: {
      readonly access: ExecutionAccess;
      readonly records: ExecutionRecords;
      readonly log: OutputLog;
      readonly bus: LiveBus;
      readonly clock: Clock;
    },
  ) {}

  /**
   * Output messages after `afterSeq`, then the end message; nothing once the watcher has seen the
   * end. `ready` is awaited before each message, so a slow client slows only its own reads and
   * falls behind into the log rather than into memory. `join` makes the data of merged messages
   * (see chainBytesForWire for the WebSocket's).
   */
  async *watch(
    user: AuthUser,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
    ready: ReadyFn = noWait,
    join: JoinBytes = joinBytes,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    await this.deps.access.byId(user, id);
    const { bus, log, records } = this.deps;
    const to: Delivery = { ready, join };
    let next = afterSeq + 1;
    while (!signal.aborted) {
      const live = await bus.read(id, next, READ_BATCH_BYTES);
      if (live.state === 'behind') {
        const chunks = await this.stored(() => log.readOutput(id, next, READ_BATCH_BYTES), signal);
        if (chunks.length > 0) {
          next = yield* this.send(chunks, to, signal, next);
          continue;
        }
        const progress = bus.progress(id);
        // The runner is here and knows the chunk is lost from the log (a failed write): skip
        // ahead rather than spin. Elsewhere, wait: the log may simply not have it yet.
        if (progress !== undefined) next = progress.lastSeq + 1;
        else await this.pause(signal);
        continue;
      }
      if (live.state === 'live') {
        if (live.chunks.length > 0) {
          next = yield* this.send(live.chunks, to, signal, next);
          continue;
        }
        if (live.end !== undefined) {
          if (afterSeq < live.end.seq) {
            await ready();
            yield live.end;
          }
          return;
        }
        if ((await this.waitOrQuiet(id, next - 1, signal)) === 'quiet') {
          // Nothing for a while: the runner may have died (its stream then never ends). Once the
          // record says it ended, that is the end.
          const record = await this.stored(() => records.get(id), signal);
          if (record !== undefined && record.status !== 'running') {
            yield* this.finish(record, next, afterSeq, to, signal);
            return;
          }
        }
        continue;
      }
      // Not on this bus: ended, or running where this bus does not reach. A record still
      // `running` is followed until it ends: it ends either way, by its runner or, if that
      // runner is gone, by recovery (which alone decides that it was interrupted).
      const record = await this.stored(() => records.get(id), signal);
      if (record === undefined) return;
      if (record.status === 'running') {
        const chunks = await this.stored(() => log.readOutput(id, next, READ_BATCH_BYTES), signal);
        if (chunks.length > 0) next = yield* this.send(chunks, to, signal, next);
        else await this.pause(signal);
        continue;
      }
      yield* this.finish(record, next, afterSeq, to, signal);
      return;
    }
  }

  /**
   * A read of storage that a watcher can wait out: the database away for a moment (a restart)
   * delays the watcher instead of ending its subscription with an error.
   */
  private async stored<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (;;) {
      try {
        return await read();
      } catch (error) {
        if (signal.aborted) throw error;
        await this.pause(signal);
      }
    }
  }

  /** The rest of an ended execution from the log, then its end from the record. */
  private async *finish(
    record: ExecutionRecord,
    from: number,
    afterSeq: number,
    to: Delivery,
    signal: AbortSignal,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    let next = from;
    while (!signal.aborted && next <= record.lastSeq) {
      const chunks = await this.stored(
        () => this.deps.log.readOutput(record.id, next, READ_BATCH_BYTES),
        signal,
      );
      if (chunks.length === 0) break;
      next = yield* this.send(chunks, to, signal, next);
    }
    const end = endMessageFromRecord(record);
    if (!signal.aborted && afterSeq < end.seq) {
      await to.ready();
      yield end;
    }
  }

  /** Waits on the bus, or until nothing has come for QUIET_MS. */
  private async waitOrQuiet(
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): Promise<'event' | 'quiet'> {
    const quiet = new AbortController();
    const onAbort = (): void => quiet.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = this.deps.clock.setTimeout(() => {
      timedOut = true;
      quiet.abort();
    }, QUIET_MS);
    try {
      await this.deps.bus.wait(id, afterSeq, quiet.signal);
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
    }
    return timedOut ? 'quiet' : 'event';
  }

  private async *send(
    chunks: readonly OutputChunk[],
    to: Delivery,
    signal: AbortSignal,
    next: number,
  ): AsyncGenerator<ExecutionMessage, number, undefined> {
    let after = next;
    for (const message of toMessages(
      chunks.filter((c) => c.seq >= next),
      to.join,
    )) {
      await to.ready();
      if (signal.aborted) return after;
      yield message;
      after = message.seq + 1;
    }
    return after;
  }

  private pause(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(done, REMOTE_POLL_MS);
      function done(): void {
        timer.cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
