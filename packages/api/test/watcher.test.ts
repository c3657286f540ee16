import { ManualClock } from '@ogent/executor';
import { describe, expect, it } from 'vitest';
import { InProcessLiveBus } from '../src/single-node/live-bus.js';
import { MemoryExecutionStore } from '../src/single-node/memory-store.js';
import { sampleRecord } from '../src/testing/contracts.js';
import { ExecutionAccess } from '../src/executions/access.js';
import { MAX_MESSAGE_BYTES, endMessage, joinBytes } from '../src/executions/messages.js';
import type { ExecutionMessage, ExecutionOutcome, OutputChunk } from '../src/domain/execution.js';
import { type OutputSink, type WatchOptions, Watcher } from '../src/executions/watcher.js';
import { alice } from './fixtures.js';

/** The single node's store, counting the reads of output from the log. */
class CountingStore extends MemoryExecutionStore {
  outputReads = 0;

  override readOutput(id: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]> {
    this.outputReads += 1;
    return super.readOutput(id, fromSeq, maxBytes);
  }
}

function build() {
  const store = new CountingStore();
  const bus = new InProcessLiveBus();
  const watcher = new Watcher({
    access: new ExecutionAccess(store, bus),
    records: store,
    log: store,
    bus,
    clock: new ManualClock(),
  });
  const collect = async (id: string, options: Partial<WatchOptions> = {}) => {
    const messages: ExecutionMessage[] = [];
    const signal = new AbortController().signal;
    for await (const m of watcher.watch(alice, id, { after: 0, signal, ...options })) {
      messages.push(m);
    }
    return messages;
  };
  return { store, bus, watcher, collect };
}

const chunk = (seq: number, bytes: number): OutputChunk & { at: number } => ({
  seq,
  stream: 'stdout',
  data: Buffer.alloc(bytes, 0x61 + (seq % 26)),
  at: 0,
});

const completed = (lastSeq: number, outputBytes: number): ExecutionOutcome => ({
  status: 'completed',
  exitCode: 0,
  signal: null,
  error: null,
  errorCode: null,
  finishedAt: 1,
  durationMs: 1,
  outputBytes,
  outputLines: 0,
  lastSeq,
  truncated: false,
});

describe('Watcher', () => {
  it('stops reading output at maxOutputBytes, and still sends the end', async () => {
    const { store, collect } = build();
    const record = sampleRecord({ username: 'alice' });
    await store.insert(record);
    // Eight messages' worth: 2 MiB, twice what one read of the log takes.
    const chunks = Array.from({ length: 8 }, (_, i) => chunk(i + 1, MAX_MESSAGE_BYTES));
    await store.appendOutput(chunks.map((c) => ({ ...c, executionId: record.id })));
    await store.finish(record.id, completed(8, 8 * MAX_MESSAGE_BYTES));

    const all = await collect(record.id);
    expect(all.map((m) => m.type)).toEqual([...Array<string>(8).fill('output'), 'end']);
    const readsForAll = store.outputReads;

    store.outputReads = 0;
    const head = await collect(record.id, { maxOutputBytes: MAX_MESSAGE_BYTES + 1 });
    // The message that reaches the limit is sent whole; then only the end, with the full size.
    expect(head.map((m) => [m.type, m.seq])).toEqual([
      ['output', 1],
      ['output', 2],
      ['end', 9],
    ]);
    expect(head.at(-1)).toMatchObject({ outputBytes: 8 * MAX_MESSAGE_BYTES });
    expect(store.outputReads).toBe(1);
    expect(readsForAll).toBeGreaterThan(1);
  });

  it('past maxOutputBytes, waits for the end of a running execution without its output', async () => {
    const { store, bus, watcher } = build();
    const record = sampleRecord({ username: 'alice' });
    await store.insert(record);
    bus.open(record.id);
    bus.publish(record.id, chunk(1, 100));
    const watching = watcher.watch(alice, record.id, {
      after: 0,
      signal: new AbortController().signal,
      maxOutputBytes: 50,
    });
    const first = await watching.next();
    expect(first.value).toMatchObject({ type: 'output', seq: 1 });
    const rest = (async () => {
      const messages: ExecutionMessage[] = [];
      for await (const m of watching) messages.push(m);
      return messages;
    })();
    for (let seq = 2; seq <= 5; seq += 1) bus.publish(record.id, chunk(seq, 100));
    const outcome = completed(5, 500);
    await store.finish(record.id, outcome);
    bus.end(record.id, endMessage(outcome));
    bus.close(record.id);

    // Nothing of seq 2 to 5: only the end.
    expect((await rest).map((m) => [m.type, m.seq])).toEqual([['end', 6]]);
    expect(store.outputReads).toBe(0);
  });

  it('waits on the sink before each message, and lets it make merged data', async () => {
    const { store, collect } = build();
    const record = sampleRecord({ username: 'alice' });
    await store.insert(record);
    const chunks = [chunk(1, 10), chunk(2, 20), chunk(3, 30)];
    await store.appendOutput(chunks.map((c) => ({ ...c, executionId: record.id })));
    await store.finish(record.id, completed(3, 60));
    const joined: number[] = [];
    let readies = 0;
    const sink: OutputSink = {
      ready: () => {
        readies += 1;
        return Promise.resolve();
      },
      join: (parts, bytes) => {
        joined.push(parts.length);
        return joinBytes(parts, bytes);
      },
    };

    const messages = await collect(record.id, { sink });
    // One merged output message and the end: the sink was asked for both, and joined the one.
    expect(messages.map((m) => m.type)).toEqual(['output', 'end']);
    expect(readies).toBe(2);
    expect(joined).toEqual([3]);
    const [output] = messages;
    expect(output?.type === 'output' ? Buffer.from(output.data).length : 0).toBe(60);
  });
});
