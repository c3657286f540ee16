import {
  DuplicateIdempotencyKeyError,
  type ExecutionOutcome,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionRecords,
  type ExecutionState,
  type OutputChunk,
  type OutputLog,
  type StoredChunk,
} from '@ogent/api';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { OutputFiles } from './output-files.js';
import type { Database, ExecutionsTable } from './schema.js';

/** SQLite allows 32766 bound parameters per statement; index rows take 5. */
const ROWS_PER_INSERT = 2000;
/** Index rows looked at per read when choosing how many fit in maxBytes. */
const ROWS_PER_READ = 256;

function toRecord(row: Selectable<ExecutionsTable>): ExecutionRecord {
  return {
    id: row.id,
    username: row.username,
    target: row.target,
    input: row.input,
    decision: row.decision,
    rule: row.rule,
    refusalCode: row.refusal_code,
    reason: row.reason,
    argv: row.argv === null ? null : (JSON.parse(row.argv) as string[]),
    status: row.status as ExecutionState,
    exitCode: row.exit_code,
    signal: row.signal,
    error: row.error,
    errorCode: row.error_code,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    outputBytes: row.output_bytes,
    lastSeq: row.last_seq,
    truncated: row.truncated === 1,
    idempotencyKey: row.idempotency_key,
    source: row.source,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (createdAt === undefined || id === undefined || !/^\d+$/.test(createdAt)) return undefined;
  return { createdAt: Number(createdAt), id };
}

/**
 * Executions in SQLite, through Kysely; their output in append-only files, with the index of
 * its numbered chunks in SQLite (see OutputFiles).
 */
export class SqlExecutionStore implements ExecutionRecords, OutputLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly files: OutputFiles,
  ) {}

  async insert(record: ExecutionRecord): Promise<void> {
    try {
      await this.db
        .insertInto('executions')
        .values({
          id: record.id,
          username: record.username,
          target: record.target,
          input: record.input,
          decision: record.decision,
          rule: record.rule,
          refusal_code: record.refusalCode,
          reason: record.reason,
          argv: record.argv === null ? null : JSON.stringify(record.argv),
          status: record.status,
          exit_code: record.exitCode,
          signal: record.signal,
          error: record.error,
          error_code: record.errorCode,
          created_at: record.createdAt,
          finished_at: record.finishedAt,
          duration_ms: record.durationMs,
          output_bytes: record.outputBytes,
          last_seq: record.lastSeq,
          truncated: record.truncated ? 1 : 0,
          idempotency_key: record.idempotencyKey,
          source: record.source,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DuplicateIdempotencyKeyError('idempotency key already used');
      throw error;
    }
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const row = await this.db
      .selectFrom('executions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async findByIdempotencyKey(username: string, key: string): Promise<ExecutionRecord | undefined> {
    const row = await this.db
      .selectFrom('executions')
      .selectAll()
      .where('username', '=', username)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async finish(id: string, outcome: ExecutionOutcome): Promise<void> {
    try {
      await this.db
        .updateTable('executions')
        .set({
          status: outcome.status,
          exit_code: outcome.exitCode,
          signal: outcome.signal,
          error: outcome.error,
          error_code: outcome.errorCode,
          finished_at: outcome.finishedAt,
          duration_ms: outcome.durationMs,
          output_bytes: outcome.outputBytes,
          last_seq: outcome.lastSeq,
          truncated: outcome.truncated ? 1 : 0,
        })
        .where('id', '=', id)
        // Written once: an execution another instance already recorded as ended stays so.
        .where('status', '=', 'running')
        .execute();
    } finally {
      await this.files.close(id);
    }
  }

  async appendOutput(chunks: readonly StoredChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const byExecution = new Map<string, StoredChunk[]>();
    for (const chunk of chunks) {
      const list = byExecution.get(chunk.executionId) ?? [];
      list.push(chunk);
      byExecution.set(chunk.executionId, list);
    }
    // The bytes first, then the index rows that point at them.
    const rows: Database['execution_output'][] = [];
    await Promise.all(
      [...byExecution].map(async ([executionId, list]) => {
        let offset = await this.files.append(
          executionId,
          list.map((c) => c.data),
        );
        for (const c of list) {
          rows.push({
            execution_id: executionId,
            seq: c.seq,
            stream: c.stream,
            byte_offset: offset,
            byte_length: c.data.length,
          });
          offset += c.data.length;
        }
      }),
    );
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('execution_output')
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .execute();
      }
    });
  }

  async readOutput(executionId: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]> {
    const index = await this.db
      .selectFrom('execution_output')
      .select(['seq', 'stream', 'byte_offset', 'byte_length'])
      .where('execution_id', '=', executionId)
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(ROWS_PER_READ)
      .execute();
    let bytes = 0;
    let count = 0;
    for (const row of index) {
      if (count > 0 && bytes + row.byte_length > maxBytes) break;
      bytes += row.byte_length;
      count += 1;
    }
    const wanted = index.slice(0, count);
    const first = wanted[0];
    if (first === undefined) return [];
    // Chunks of one execution lie in order in its file: one read for all of them (spanning any
    // gap a failed index write left).
    const last = wanted[wanted.length - 1] ?? first;
    const data = await this.files.read(
      executionId,
      first.byte_offset,
      last.byte_offset + last.byte_length - first.byte_offset,
    );
    return wanted.map((row) => {
      const start = row.byte_offset - first.byte_offset;
      return {
        seq: row.seq,
        stream: row.stream,
        data: data.subarray(start, start + row.byte_length),
      };
    });
  }

  async list(
    query: ExecutionQuery,
  ): Promise<{ items: ExecutionRecord[]; nextCursor: string | null }> {
    let q = this.db.selectFrom('executions').selectAll();
    if (query.username !== undefined) q = q.where('username', '=', query.username);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.target !== undefined) q = q.where('target', '=', query.target);
    if (query.search !== undefined) {
      const escaped = query.search.replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where(sql<boolean>`input like ${`%${escaped}%`} escape '\\'`);
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit).map(toRecord);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeCursor(last.createdAt, last.id)
          : null,
    };
  }

  async running(): Promise<ExecutionRecord[]> {
    const rows = await this.db
      .selectFrom('executions')
      .selectAll()
      .where('status', '=', 'running')
      .orderBy('created_at')
      .execute();
    return rows.map(toRecord);
  }

  async summary(executionId: string): Promise<{ lastSeq: number; outputBytes: number }> {
    const row = await this.db
      .selectFrom('execution_output')
      .select((eb) => [
        eb.fn.max('seq').as('last_seq'),
        eb.fn.sum<number>('byte_length').as('output_bytes'),
      ])
      .where('execution_id', '=', executionId)
      .executeTakeFirst();
    return { lastSeq: Number(row?.last_seq ?? 0), outputBytes: Number(row?.output_bytes ?? 0) };
  }
}
