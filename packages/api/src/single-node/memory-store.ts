import { DuplicateIdempotencyKeyError } from '../errors.js';
import type { OutputLog } from '../ports/output-log.js';
import type { OutputSearchIndex } from '../ports/output-search.js';
import type { ExecutionRecords } from '../ports/records.js';
import { snippetParts } from '../search/snippet.js';
import { markedExcerpt, searchWords } from '../search/words.js';
import type {
  ExecutionListItem,
  ExecutionOutcome,
  ExecutionQuery,
  ExecutionRecord,
  OutputChunk,
  StoredChunk,
} from '../domain/execution.js';

/**
 * Records and output in memory: for tests of the services, and the reference the store contract
 * suite holds every other implementation to. Nothing survives the process.
 */
export class MemoryExecutionStore implements ExecutionRecords, OutputLog, OutputSearchIndex {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly output = new Map<string, OutputChunk[]>();
  /** Indexed output text, by execution. */
  private readonly texts = new Map<string, string>();

  insert(record: ExecutionRecord): Promise<void> {
    if (
      record.idempotencyKey !== null &&
      [...this.records.values()].some(
        (r) => r.username === record.username && r.idempotencyKey === record.idempotencyKey,
      )
    ) {
      return Promise.reject(new DuplicateIdempotencyKeyError('idempotency key already used'));
    }
    this.records.set(record.id, { ...record });
    return Promise.resolve();
  }

  get(id: string): Promise<ExecutionRecord | undefined> {
    const record = this.records.get(id);
    return Promise.resolve(record === undefined ? undefined : { ...record });
  }

  findByIdempotencyKey(username: string, key: string): Promise<ExecutionRecord | undefined> {
    return Promise.resolve(
      [...this.records.values()].find((r) => r.username === username && r.idempotencyKey === key),
    );
  }

  finish(id: string, outcome: ExecutionOutcome): Promise<void> {
    const record = this.records.get(id);
    if (record?.status === 'running') this.records.set(id, { ...record, ...outcome });
    return Promise.resolve();
  }

  list(query: ExecutionQuery): Promise<{ items: ExecutionListItem[]; nextCursor: string | null }> {
    const [afterAt, afterId] =
      query.cursor === undefined ? [Infinity, ''] : (JSON.parse(query.cursor) as [number, string]);
    const words = query.text === undefined ? [] : searchWords(query.text);
    const excerpts = new Map<string, string | null>();
    const textMatches = (r: ExecutionRecord): boolean => {
      if (query.text === undefined) return true;
      const text = this.texts.get(r.id);
      const excerpt = text === undefined ? null : markedExcerpt(text, words);
      excerpts.set(r.id, excerpt);
      return r.input.toLowerCase().includes(query.text.toLowerCase()) || excerpt !== null;
    };
    const matching = [...this.records.values()]
      .filter(
        (r) =>
          (query.username === undefined || r.username === query.username) &&
          (query.status === undefined || r.status === query.status) &&
          (query.target === undefined || r.target === query.target) &&
          (query.search === undefined || r.input.includes(query.search)) &&
          (query.runId === undefined || r.runId === query.runId) &&
          (query.excludeRuns !== true || r.runId === null) &&
          (r.createdAt < afterAt || (r.createdAt === afterAt && r.id < afterId)) &&
          textMatches(r),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    const items: ExecutionListItem[] = matching.slice(0, query.limit).map((r) => {
      if (query.text === undefined) return r;
      const excerpt = excerpts.get(r.id) ?? null;
      return { ...r, snippet: excerpt === null ? null : snippetParts(excerpt) };
    });
    const last = items.at(-1);
    return Promise.resolve({
      items,
      nextCursor:
        matching.length > query.limit && last !== undefined
          ? JSON.stringify([last.createdAt, last.id])
          : null,
    });
  }

  running(): Promise<ExecutionRecord[]> {
    return Promise.resolve(
      [...this.records.values()]
        .filter((r) => r.status === 'running')
        .sort((a, b) => a.createdAt - b.createdAt),
    );
  }

  appendOutput(chunks: readonly StoredChunk[]): Promise<void> {
    for (const { executionId, ...chunk } of chunks) {
      const list = this.output.get(executionId) ?? [];
      list.push(chunk);
      this.output.set(executionId, list);
    }
    return Promise.resolve();
  }

  readOutput(executionId: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]> {
    const out: OutputChunk[] = [];
    let bytes = 0;
    for (const chunk of this.output.get(executionId) ?? []) {
      if (chunk.seq < fromSeq) continue;
      if (out.length > 0 && bytes + chunk.data.length > maxBytes) break;
      out.push(chunk);
      bytes += chunk.data.length;
    }
    return Promise.resolve(out);
  }

  complete(): Promise<void> {
    return Promise.resolve();
  }

  discard(executionIds: readonly string[]): Promise<void> {
    for (const id of executionIds) this.output.delete(id);
    return Promise.resolve();
  }

  index(executionId: string, text: string): Promise<void> {
    this.texts.set(executionId, text);
    return Promise.resolve();
  }

  remove(executionIds: readonly string[]): Promise<void> {
    for (const id of executionIds) this.texts.delete(id);
    return Promise.resolve();
  }

  withOutput(query: {
    readonly finishedBefore?: number;
    readonly limit: number;
  }): Promise<{ id: string; outputBytes: number }[]> {
    const before = query.finishedBefore ?? Number.POSITIVE_INFINITY;
    return Promise.resolve(
      [...this.records.values()]
        .filter(
          (r) =>
            r.status !== 'running' &&
            r.outputPrunedAt === null &&
            r.outputBytes > 0 &&
            (r.finishedAt ?? 0) < before,
        )
        .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
        .slice(0, query.limit)
        .map((r) => ({ id: r.id, outputBytes: r.outputBytes })),
    );
  }

  markOutputPruned(ids: readonly string[], at: number): Promise<void> {
    for (const id of ids) {
      const record = this.records.get(id);
      if (record !== undefined) this.records.set(id, { ...record, outputPrunedAt: at });
    }
    return Promise.resolve();
  }

  deleteEnded(finishedBefore: number, limit: number): Promise<string[]> {
    const ids = [...this.records.values()]
      .filter((r) => r.status !== 'running' && (r.finishedAt ?? 0) < finishedBefore)
      .slice(0, limit)
      .map((r) => r.id);
    for (const id of ids) {
      this.records.delete(id);
      this.output.delete(id);
      this.texts.delete(id);
    }
    return Promise.resolve(ids);
  }

  storage(): Promise<{ executions: number; outputBytes: number }> {
    let outputBytes = 0;
    for (const r of this.records.values())
      if (r.outputPrunedAt === null) outputBytes += r.outputBytes;
    return Promise.resolve({ executions: this.records.size, outputBytes });
  }

  summary(executionId: string): Promise<{ lastSeq: number; outputBytes: number }> {
    const list = this.output.get(executionId) ?? [];
    return Promise.resolve({
      lastSeq: list.at(-1)?.seq ?? 0,
      outputBytes: list.reduce((sum, c) => sum + c.data.length, 0),
    });
  }
}
