import type { Clock } from '@ogent/executor';
import type { AuthUser } from '../domain/user.js';
import type { LiveBus } from '../ports/live-bus.js';
import type { OutputLog } from '../ports/output-log.js';
import type { ExecutionRecords } from '../ports/records.js';
import type { ExecutionAccess } from './access.js';
import { type JoinBytes, endMessageFromRecord, joinBytes, toMessages } from './messages.js';
import type { ExecutionMessage, ExecutionRecord, OutputChunk } from '../domain/execution.js';

/**
 * Where a watcher's messages go, built by the transport that carries them: it decides when the
 * receiver can take the next message and what the data of a merged message is, so that the
 * domain knows nothing of sockets or wire encodings.
 */
export interface OutputSink {
  /**
   * Resolves once the receiver can take another message. A slow receiver thereby slows only its
   * own reads and falls behind into the output log rather than into memory.
   */
  ready(): Promise<void>;
  /** Makes the data of a message merged from several chunks. */
  readonly join: JoinBytes;
}

/** The sink of a reader in this process: never waits, and merged data is one buffer. */
export const inProcessSink: OutputSink = {
  ready: () => Promise.resolve(),
  join: joinBytes,
};

/** What to watch of an execution, and for whom. */
export interface WatchOptions {
  /** Output after this seq (0: from the first); the end too unless its seq is not after it. */
  readonly after: number;
  /** Stops the watching (the execution runs on). */
  readonly signal: AbortSignal;
  /** Where the messages go; {@link inProcessSink} by default. */
  readonly sink?: OutputSink;
  /**
   * Output is sent until this many bytes have gone (the message that reaches it whole), then
   * only the end: the rest of the output is not read at all. Unlimited by default.
   */
  readonly maxOutputBytes?: number | undefined;
}

/** Output read per step by a watcher: split into messages, each awaited before the next. */
const READ_BATCH_BYTES = 1024 * 1024;
/** How often the log is read for an execution that runs where the live bus does not reach. */
export const REMOTE_POLL_MS = 250;
/** After this long without news of a running execution, its record is looked at. */
export const QUIET_MS = 3_000;

/** One watch in progress: where it is and what it may still send. */
interface Follow {
  readonly id: string;
  readonly after: number;
  readonly signal: AbortSignal;
  readonly sink: OutputSink;
  /** The next seq to send. */
  next: number;
  /** Output bytes still wanted. */
  wanted: number;
}

/** What one step of following found: go on, or the watch is over. */
type Step = 'more' | 'done';

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
   * Output messages after `options.after`, then the end message; nothing once the watcher has
   * seen the end. The sink is awaited before each message.
   */
  async *watch(
    user: AuthUser,
    id: string,
    options: WatchOptions,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    await this.deps.access.byId(user, id);
    const follow: Follow = {
      id,
      after: options.after,
      signal: options.signal,
      sink: options.sink ?? inProcessSink,
      next: options.after + 1,
      wanted: options.maxOutputBytes ?? Infinity,
    };
    while (!follow.signal.aborted) {
      const step =
        follow.wanted > 0 ? yield* this.outputStep(follow) : yield* this.endOnlyStep(follow);
      if (step === 'done') return;
    }
  }

  /** One read of output (from the bus, or the log when the bus has let it go), or the end. */
  private async *outputStep(follow: Follow): AsyncGenerator<ExecutionMessage, Step, undefined> {
    const { bus, log, records } = this.deps;
    const { id, signal } = follow;
    const live = await bus.read(id, follow.next, READ_BATCH_BYTES);
    switch (live.state) {
      case 'behind': {
        const chunks = await this.stored(
          () => log.readOutput(id, follow.next, READ_BATCH_BYTES),
          signal,
        );
        if (chunks.length > 0) {
          yield* this.send(chunks, follow);
          return 'more';
        }
        const progress = bus.progress(id);
        // The runner is here and knows the chunk is lost from the log (a failed write): skip
        // ahead rather than spin. Elsewhere, wait: the log may simply not have it yet.
        if (progress !== undefined) follow.next = progress.lastSeq + 1;
        else await this.pause(signal);
        return 'more';
      }
      case 'live': {
        if (live.chunks.length > 0) {
          yield* this.send(live.chunks, follow);
          return 'more';
        }
        if (live.end !== undefined) {
          if (follow.after < live.end.seq) {
            await follow.sink.ready();
            yield live.end;
          }
          return 'done';
        }
        if ((await this.waitOrQuiet(id, follow.next - 1, signal)) === 'quiet') {
          // Nothing for a while: the runner may have died (its stream then never ends). Once the
          // record says it ended, that is the end.
          const record = await this.stored(() => records.get(id), signal);
          if (record !== undefined && record.status !== 'running') {
            yield* this.finish(record, follow);
            return 'done';
          }
        }
        return 'more';
      }
      case 'absent':
        return yield* this.absentStep(follow);
    }
  }

  /**
   * Not on this bus: ended, or running where this bus does not reach. A record still `running`
   * is followed until it ends: it ends either way, by its runner or, if that runner is gone, by
   * recovery (which alone decides that it was interrupted).
   */
  private async *absentStep(follow: Follow): AsyncGenerator<ExecutionMessage, Step, undefined> {
    const { id, signal } = follow;
    const record = await this.stored(() => this.deps.records.get(id), signal);
    if (record === undefined) return 'done';
    if (record.status !== 'running') {
      yield* this.finish(record, follow);
      return 'done';
    }
    const chunks = await this.stored(
      () => this.deps.log.readOutput(id, follow.next, READ_BATCH_BYTES),
      signal,
    );
    if (chunks.length > 0) yield* this.send(chunks, follow);
    else await this.pause(signal);
    return 'more';
  }

  /**
   * Once the output wanted has gone: waits for the end without reading output. Where the runner
   * is here, the bus wakes the watcher as output comes and its progress says how far that is;
   * once the stream closes, the record is final. Elsewhere the record is looked at every
   * REMOTE_POLL_MS, as for any execution the bus does not reach.
   */
  private async *endOnlyStep(follow: Follow): AsyncGenerator<ExecutionMessage, Step, undefined> {
    const { bus } = this.deps;
    const progress = bus.progress(follow.id);
    if (progress !== undefined) {
      await bus.wait(follow.id, progress.lastSeq, follow.signal);
      const live = await bus.read(follow.id, progress.lastSeq + 1, 0);
      if (live.state !== 'live' || live.end === undefined) return 'more';
      if (follow.after < live.end.seq) {
        await follow.sink.ready();
        yield live.end;
      }
      return 'done';
    }
    const record = await this.stored(() => this.deps.records.get(follow.id), follow.signal);
    if (record === undefined) return 'done';
    if (record.status === 'running') {
      await this.pause(follow.signal);
      return 'more';
    }
    yield* this.sendEnd(record, follow);
    return 'done';
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

  /** The rest of an ended execution from the log (as far as wanted), then its end. */
  private async *finish(
    record: ExecutionRecord,
    follow: Follow,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    while (!follow.signal.aborted && follow.wanted > 0 && follow.next <= record.lastSeq) {
      const chunks = await this.stored(
        () => this.deps.log.readOutput(record.id, follow.next, READ_BATCH_BYTES),
        follow.signal,
      );
      if (chunks.length === 0) break;
      yield* this.send(chunks, follow);
    }
    yield* this.sendEnd(record, follow);
  }

  /** The end of an ended execution from its record, unless it is not after `after`. */
  private async *sendEnd(
    record: ExecutionRecord,
    follow: Follow,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    const end = endMessageFromRecord(record);
    if (!follow.signal.aborted && follow.after < end.seq) {
      await follow.sink.ready();
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

  /** Chunks from `follow.next` on, as messages, while the output is still wanted. */
  private async *send(
    chunks: readonly OutputChunk[],
    follow: Follow,
  ): AsyncGenerator<ExecutionMessage, void, undefined> {
    for (const message of toMessages(
      chunks.filter((c) => c.seq >= follow.next),
      follow.sink.join,
    )) {
      await follow.sink.ready();
      if (follow.signal.aborted || follow.wanted <= 0) return;
      yield message;
      follow.next = message.seq + 1;
      follow.wanted -= message.data.byteLength;
    }
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
