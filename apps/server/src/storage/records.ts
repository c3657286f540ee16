import {
  DuplicateIdempotencyKeyError,
  type ExecutionListItem,
  type ExecutionOutcome,
  type ExecutionQuery,
  type ExecutionRecord,
  type ExecutionRecords,
  type ExecutionState,
  searchWords,
  snippetParts,
} from '@ogent/api';
import { type Kysely, type Selectable, sql } from 'kysely';
import { decodeCursor, pageOf } from './cursor.js';
import type { SqlOutputSearch } from './output-search.js';
import type { PgDatabase } from './postgres/schema.js';
import type { Database, ExecutionsTable } from './schema.js';

/** Any database that holds the executions table: SQLite for the single node, PostgreSQL. */
export interface RecordsDatabase {
  executions: ExecutionsTable;
}

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
    outputLines: row.output_lines,
    lastSeq: row.last_seq,
    // 1 from SQLite, true from PostgreSQL's boolean.
    truncated: row.truncated === 1 || (row.truncated as unknown) === true,
    outputPrunedAt: row.output_pruned_at,
    runId: row.run_id,
    idempotencyKey: row.idempotency_key,
    source: row.source,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // SQLite's, then PostgreSQL's unique_violation.
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/**
 * Execution records (the audit trail) through Kysely, in portable SQL: the same queries run on
 * SQLite and on PostgreSQL. Times are milliseconds since the epoch (64-bit); booleans are written
 * as 0/1, which both accept.
 */
export class SqlRecords implements ExecutionRecords {
  private readonly db: Kysely<RecordsDatabase>;

  /**
   * Takes any database whose schema has the executions table, and the output search on the same
   * database (without it, a text search looks at commands only).
   */
  constructor(
    db: Kysely<RecordsDatabase> | Kysely<Database> | Kysely<PgDatabase>,
    private readonly search?: SqlOutputSearch,
  ) {
    // Kysely's type is invariant in the schema (through transactions); these queries touch the
    // executions table only, which every schema holds with the same columns.
    this.db = db as Kysely<RecordsDatabase>;
  }

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
          output_lines: record.outputLines,
          last_seq: record.lastSeq,
          truncated: record.truncated ? 1 : 0,
          output_pruned_at: record.outputPrunedAt,
          run_id: record.runId,
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
        output_lines: outcome.outputLines,
        last_seq: outcome.lastSeq,
        truncated: outcome.truncated ? 1 : 0,
      })
      .where('id', '=', id)
      // Written once: an execution another instance already recorded as ended stays so.
      .where('status', '=', 'running')
      .execute();
  }

  async list(
    query: ExecutionQuery,
  ): Promise<{ items: ExecutionListItem[]; nextCursor: string | null }> {
    let q = this.db.selectFrom('executions').selectAll();
    if (query.username !== undefined) q = q.where('username', '=', query.username);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.target !== undefined) q = q.where('target', '=', query.target);
    if (query.runId !== undefined) q = q.where('run_id', '=', query.runId);
    if (query.excludeRuns === true) q = q.where('run_id', 'is', null);
    if (query.search !== undefined) {
      const escaped = query.search.replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where(sql<boolean>`input like ${`%${escaped}%`} escape '\\'`);
    }
    const text = query.text;
    const words = text === undefined || this.search === undefined ? [] : searchWords(text);
    if (text !== undefined) {
      const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      const inCommand = sql<boolean>`lower(input) like ${`%${escaped}%`} escape '\\'`;
      q = q.where((eb) =>
        this.search === undefined || words.length === 0
          ? inCommand
          : eb.or([inCommand, this.search.matches(words)]),
      );
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
    const page = pageOf(rows.map(toRecord), query.limit);
    if (text === undefined) return page;
    const snippets =
      this.search === undefined
        ? new Map<string, string>()
        : await this.search.snippets(
            page.items.map((r) => r.id),
            words,
          );
    return {
      ...page,
      items: page.items.map((r) => {
        const marked = snippets.get(r.id);
        return { ...r, snippet: marked === undefined ? null : snippetParts(marked) };
      }),
    };
  }

  async withOutput(query: {
    readonly finishedBefore?: number;
    readonly limit: number;
  }): Promise<{ id: string; outputBytes: number }[]> {
    let q = this.db
      .selectFrom('executions')
      .select(['id', 'output_bytes'])
      .where('status', '!=', 'running')
      .where('output_pruned_at', 'is', null)
      .where('output_bytes', '>', 0)
      .where('finished_at', 'is not', null);
    if (query.finishedBefore !== undefined) q = q.where('finished_at', '<', query.finishedBefore);
    const rows = await q.orderBy('finished_at').orderBy('id').limit(query.limit).execute();
    return rows.map((r) => ({ id: r.id, outputBytes: Number(r.output_bytes) }));
  }

  async markOutputPruned(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('executions')
      .set({ output_pruned_at: at })
      .where('id', 'in', [...ids])
      .execute();
  }

  async deleteEnded(finishedBefore: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('executions')
      .select('id')
      .where('status', '!=', 'running')
      .where('finished_at', '<', finishedBefore)
      .orderBy('finished_at')
      .limit(limit)
      .execute();
    const ids = rows.map((r) => r.id);
    if (ids.length > 0) await this.db.deleteFrom('executions').where('id', 'in', ids).execute();
    return ids;
  }

  async storage(): Promise<{ executions: number; outputBytes: number }> {
    const row = await this.db
      .selectFrom('executions')
      .select((eb) => [
        eb.fn.countAll<number>().as('executions'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when('output_pruned_at', 'is', null)
              .then(eb.ref('output_bytes'))
              .else(0)
              .end(),
          )
          .as('output_bytes'),
      ])
      .executeTakeFirst();
    return {
      executions: Number(row?.executions ?? 0),
      outputBytes: Number(row?.output_bytes ?? 0),
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
}
