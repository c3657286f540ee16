import type { OutputChunk, OutputLog, StoredChunk } from '@ogent/api';
import type { Kysely } from 'kysely';
import type { OpenDatabase } from './database.js';
import type { OutputFiles } from './output-files.js';
import { chunksWithin } from './read-window.js';
import type { Database } from './schema.js';

/** SQLite allows 32766 bound parameters per statement; index rows take 6. */
const ROWS_PER_INSERT = 2000;
/** Index rows looked at per read when choosing how many fit in maxBytes. */
const ROWS_PER_READ = 256;

/**
 * The single node's output log: bytes in append-only files (see OutputFiles), the index of each
 * execution's numbered chunks in SQLite.
 */
export class FileOutputLog implements OutputLog {
  private readonly db: Kysely<Database>;
  private readonly sqlite: OpenDatabase['sqlite'];
  /** Index rows in one transaction of a statement prepared once (see insertIndex). */
  private readonly insertRows: (rows: readonly Database['execution_output'][]) => void;

  constructor(
    database: Pick<OpenDatabase, 'db' | 'sqlite'>,
    private readonly files: OutputFiles,
  ) {
    this.db = database.db;
    this.sqlite = database.sqlite;
    const insert = this.sqlite.prepare<Database['execution_output']>(
      'insert into execution_output (execution_id, seq, stream, byte_offset, byte_length, ' +
        'arrived_at) values (@execution_id, @seq, @stream, @byte_offset, @byte_length, @arrived_at)',
    );
    this.insertRows = this.sqlite.transaction((rows: readonly Database['execution_output'][]) => {
      for (const row of rows) insert.run(row);
    });
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
            arrived_at: c.at,
          });
          offset += c.data.length;
        }
      }),
    );
    await this.insertIndex(rows);
  }

  /**
   * The index rows of a batch, atomically. Through Kysely, building and compiling a statement of
   * thousands of rows cost about a second of CPU per GiB of output; a statement prepared once
   * costs a fraction. That fast path runs synchronously, so nothing can interleave with it; it
   * is taken only when no Kysely transaction is open on the connection (one awaiting between its
   * statements), which it would otherwise join. Then Kysely's queue is joined instead.
   */
  private async insertIndex(rows: readonly Database['execution_output'][]): Promise<void> {
    if (!this.sqlite.inTransaction) {
      this.insertRows(rows);
      return;
    }
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
      .select(['seq', 'stream', 'byte_offset', 'byte_length', 'arrived_at'])
      .where('execution_id', '=', executionId)
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(ROWS_PER_READ)
      .execute();
    const wanted = index.slice(
      0,
      chunksWithin(
        index.map((row) => row.byte_length),
        maxBytes,
      ),
    );
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
        at: row.arrived_at,
      };
    });
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

  complete(executionId: string): Promise<void> {
    return this.files.close(executionId);
  }

  async discard(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    // The index first: a reader then finds nothing rather than an index to a missing file.
    await this.db
      .deleteFrom('execution_output')
      .where('execution_id', 'in', [...executionIds])
      .execute();
    await Promise.all(executionIds.map((id) => this.files.remove(id)));
  }
}
