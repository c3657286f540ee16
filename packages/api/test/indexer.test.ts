import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { MemoryExecutionStore } from '../src/single-node/memory-store.js';
import { sampleRecord } from '../src/testing/contracts.js';
import { OutputIndexer } from '../src/search/indexer.js';

describe('OutputIndexer', () => {
  it('indexes the first outputBytes of the stored output, read in pieces, and no more', async () => {
    const store = new MemoryExecutionStore();
    const record = sampleRecord({ status: 'completed', finishedAt: 1, outputBytes: 3_000 });
    await store.insert(record);
    // 30 chunks of 100 bytes: "alpha" early, "omega" beyond the bound.
    await store.appendOutput(
      Array.from({ length: 30 }, (_, i) => ({
        executionId: record.id,
        seq: i + 1,
        at: i,
        stream: i % 2 === 0 ? ('stdout' as const) : ('stderr' as const),
        data: Buffer.from(
          `${i === 0 ? 'alpha' : i === 29 ? 'omega' : 'words'} `.padEnd(99, '.') + '\n',
        ),
      })),
    );
    const indexer = new OutputIndexer({
      log: store,
      index: store,
      outputBytes: 1_000,
      logger: silentLogger,
    });
    await indexer.indexExecution(record.id);
    expect((await store.list({ limit: 5, text: 'alpha' })).items).toHaveLength(1);
    expect((await store.list({ limit: 5, text: 'omega' })).items).toHaveLength(0);
  });

  it('indexes nothing for no output, and a failing store costs only a log line', async () => {
    const store = new MemoryExecutionStore();
    const record = sampleRecord();
    await store.insert(record);
    const warnings: unknown[] = [];
    const indexed: string[] = [];
    await new OutputIndexer({
      log: store,
      index: {
        index: (id) => Promise.resolve(void indexed.push(id)),
        remove: () => Promise.resolve(),
      },
      outputBytes: 100,
      logger: silentLogger,
    }).indexExecution(record.id);
    expect(indexed).toEqual([]);
    await new OutputIndexer({
      log: { readOutput: () => Promise.reject(new Error('disk gone')) },
      index: store,
      outputBytes: 100,
      logger: { ...silentLogger, warn: (obj: object) => void warnings.push(obj) },
    }).indexExecution(record.id);
    expect(warnings).toHaveLength(1);
  });
});
