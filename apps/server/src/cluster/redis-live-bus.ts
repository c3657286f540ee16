import type { EndMessage, LiveBus, LiveRead, OutputChunk } from '@ogent/api';
import { AS_BUFFERS, type Redis, type Reply, text } from './redis.js';

const PREFIX = 'ogent:out:';
/** Entries kept per stream: a watcher further behind reads PostgreSQL. Up to 64 KiB each. */
const MAX_ENTRIES = 256;
/** A stream outlives its end this long, for watchers arriving late; longer if its owner dies. */
const ENDED_TTL_SECONDS = 60;
const RUNNING_TTL_SECONDS = 24 * 3600;
/** Entries read per XRANGE. */
const READ_COUNT = 64;
/** The longest a blocking read waits before it looks again. */
const BLOCK_MS = 5_000;

const key = (executionId: string): string => `${PREFIX}${executionId}`;
const seqOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** What the owner has published and not yet appended (its batch is not stored yet). */
interface Owned {
  pending: OutputChunk[];
  lastSeq: number;
  outputBytes: number;
  /** Appends in order. */
  chain: Promise<unknown>;
}

interface Waiter {
  readonly afterSeq: number;
  readonly resolve: () => void;
}

/**
 * The cluster's live bus: one Redis stream per execution, the seq as the entry id. The owner
 * appends a batch only once it is stored in PostgreSQL, so everything a watcher sees is
 * committed; the stream holds the last MAX_ENTRIES and expires after the end. One blocking reader
 * per instance (its own connection) waits for all of the instance's watchers at once.
 */
export class RedisLiveBus implements LiveBus {
  private readonly owned = new Map<string, Owned>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private reading: Promise<void> | undefined;
  /** The keys the current blocking read waits on, with the id it waits after. */
  private blockingOn = new Map<string, number>();
  private blockingClientId: number | undefined;
  private closed = false;

  constructor(
    private readonly client: Redis,
    private readonly blocking: Redis,
    private readonly onError: (error: unknown, what: string) => void,
  ) {}

  open(executionId: string): void {
    const owned: Owned = { pending: [], lastSeq: 0, outputBytes: 0, chain: Promise.resolve() };
    this.owned.set(executionId, owned);
    // 0-1: the stream exists from the start; a watcher can tell "nothing yet" from "trimmed".
    this.append(owned, executionId, [
      ['XADD', key(executionId), '0-1', 't', 'open'],
      ['EXPIRE', key(executionId), String(RUNNING_TTL_SECONDS)],
    ]);
  }

  publish(executionId: string, chunk: OutputChunk): void {
    const owned = this.owned.get(executionId);
    if (owned === undefined) return;
    owned.pending.push(chunk);
    owned.lastSeq = chunk.seq;
    owned.outputBytes += chunk.data.length;
  }

  stored(executionId: string, seq: number): void {
    const owned = this.owned.get(executionId);
    if (owned === undefined) return;
    const ready = owned.pending.filter((c) => c.seq <= seq);
    if (ready.length === 0) return;
    owned.pending = owned.pending.filter((c) => c.seq > seq);
    this.append(
      owned,
      executionId,
      ready.map((c) => [
        'XADD',
        key(executionId),
        // Exact trimming: a watcher's "behind" must mean it, not "within a macro node".
        'MAXLEN',
        String(MAX_ENTRIES),
        `${c.seq}-0`,
        't',
        'o',
        's',
        c.stream,
        'a',
        // When it arrived, as the owner's runner saw it: a watcher on any instance gets the same.
        c.at === null ? '' : String(c.at),
        'd',
        Buffer.isBuffer(c.data) ? c.data : Buffer.from(c.data),
      ]),
    );
  }

  end(executionId: string, end: EndMessage): void {
    const owned = this.owned.get(executionId);
    if (owned === undefined) return;
    this.append(owned, executionId, [
      ['XADD', key(executionId), `${end.seq}-0`, 't', 'end', 'j', JSON.stringify(end)],
      ['EXPIRE', key(executionId), String(ENDED_TTL_SECONDS)],
    ]);
  }

  close(executionId: string): void {
    this.owned.delete(executionId);
  }

  async read(executionId: string, fromSeq: number, maxBytes: number): Promise<LiveRead> {
    try {
      return await this.readStream(executionId, fromSeq, maxBytes);
    } catch (error) {
      // Redis away (restarting): as far as this read can tell, the bus holds nothing. Watchers
      // then follow the record and the output log in PostgreSQL until it is back.
      this.onError(error, `reading the stream of ${executionId}`);
      return { state: 'absent' };
    }
  }

  private async readStream(
    executionId: string,
    fromSeq: number,
    maxBytes: number,
  ): Promise<LiveRead> {
    const [first, entries] = await Promise.all([
      this.client.sendCommand<Reply>(
        ['XRANGE', key(executionId), '-', '+', 'COUNT', '1'],
        AS_BUFFERS,
      ),
      this.client.sendCommand<Reply>(
        ['XRANGE', key(executionId), `${fromSeq}-0`, '+', 'COUNT', String(READ_COUNT)],
        AS_BUFFERS,
      ),
    ]);
    const firstId = Array.isArray(first) && Array.isArray(first[0]) ? text(first[0][0]) : undefined;
    if (firstId === undefined) return { state: 'absent' };
    // The start marker is gone: the stream was trimmed. From before its first entry: storage.
    if (firstId !== '0-1' && seqOf(firstId) > fromSeq) return { state: 'behind' };
    const chunks: OutputChunk[] = [];
    let bytes = 0;
    let end: EndMessage | undefined;
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (!Array.isArray(entry)) continue;
      const fields = fieldMap(entry[1]);
      const type = text(fields.get('t'));
      if (type === 'end') {
        end = JSON.parse(text(fields.get('j'))) as EndMessage;
        break;
      }
      if (type !== 'o') continue;
      const data = fields.get('d');
      if (!Buffer.isBuffer(data)) continue;
      if (chunks.length > 0 && bytes + data.length > maxBytes) break;
      const at = text(fields.get('a'));
      chunks.push({
        seq: seqOf(text(entry[0])),
        stream: text(fields.get('s')) === 'stderr' ? 'stderr' : 'stdout',
        data,
        at: at === '' ? null : Number(at),
      });
      bytes += data.length;
    }
    return { state: 'live', chunks, end };
  }

  wait(executionId: string, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.waiters.get(executionId) ?? new Set<Waiter>();
      const waiter: Waiter = {
        afterSeq,
        resolve: () => {
          signal.removeEventListener('abort', waiter.resolve);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.waiters.get(executionId) === waiters) {
            this.waiters.delete(executionId);
          }
          resolve();
        },
      };
      waiters.add(waiter);
      this.waiters.set(executionId, waiters);
      signal.addEventListener('abort', waiter.resolve, { once: true });
      this.follow();
    });
  }

  progress(executionId: string): { lastSeq: number; outputBytes: number } | undefined {
    const owned = this.owned.get(executionId);
    return owned === undefined
      ? undefined
      : { lastSeq: owned.lastSeq, outputBytes: owned.outputBytes };
  }

  /** Stops the blocking reader (at shutdown); waiters are released. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.unblock();
    for (const waiters of this.waiters.values()) for (const w of [...waiters]) w.resolve();
    await this.reading;
  }

  private append(owned: Owned, executionId: string, commands: (string | Buffer)[][]): void {
    owned.chain = owned.chain
      .then(() => Promise.all(commands.map((c) => this.client.sendCommand(c))))
      .catch((error: unknown) => this.onError(error, `appending to the stream of ${executionId}`));
  }

  /**
   * Makes sure the blocking reader waits on every key someone waits for, after the lowest seq
   * asked: starts it, or interrupts its current wait (CLIENT UNBLOCK) to widen it.
   */
  private follow(): void {
    if (this.closed) return;
    if (this.reading === undefined) {
      this.reading = this.readLoop().finally(() => {
        this.reading = undefined;
        if (this.waiters.size > 0 && !this.closed) this.follow();
      });
      return;
    }
    for (const [executionId, waiters] of this.waiters) {
      const lowest = Math.min(...[...waiters].map((w) => w.afterSeq));
      const current = this.blockingOn.get(key(executionId));
      if (current === undefined || lowest < current) {
        void this.unblock();
        return;
      }
    }
  }

  private async unblock(): Promise<void> {
    if (this.blockingClientId === undefined) return;
    try {
      await this.client.sendCommand(['CLIENT', 'UNBLOCK', String(this.blockingClientId)]);
    } catch (error) {
      this.onError(error, 'interrupting the blocking reader');
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.closed && this.waiters.size > 0) {
      const ids = new Map<string, number>();
      for (const [executionId, waiters] of this.waiters) {
        ids.set(key(executionId), Math.min(...[...waiters].map((w) => w.afterSeq)));
      }
      this.blockingOn = ids;
      try {
        this.blockingClientId ??= Number(await this.blocking.sendCommand(['CLIENT', 'ID']));
        const reply = await this.blocking.sendCommand<Reply>(
          [
            'XREAD',
            'BLOCK',
            String(BLOCK_MS),
            'STREAMS',
            ...ids.keys(),
            ...[...ids.values()].map((seq) => `${seq}-0`),
          ],
          AS_BUFFERS,
        );
        for (const stream of Array.isArray(reply) ? reply : []) {
          if (!Array.isArray(stream)) continue;
          const executionId = text(stream[0]).slice(PREFIX.length);
          for (const waiter of [...(this.waiters.get(executionId) ?? [])]) waiter.resolve();
        }
      } catch (error) {
        // The connection dropped (Redis restarted): its id changed. Release every waiter so
        // that each reads again (from storage if the stream is gone), then wait afresh.
        this.blockingClientId = undefined;
        if (!this.closed) this.onError(error, 'the blocking reader');
        for (const waiters of this.waiters.values()) for (const w of [...waiters]) w.resolve();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    this.blockingOn = new Map();
  }
}

/** The fields of a stream entry, by name. */
function fieldMap(reply: Reply | undefined): Map<string, Reply> {
  const fields = new Map<string, Reply>();
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(text(reply[i]), reply[i + 1] ?? null);
  return fields;
}
