import type { OutputChunk, OutputLog, StoredChunk } from '@ogent/api';
import { type Kysely, sql } from 'kysely';
import { chunksWithin } from '../read-window.js';
import type { PgDatabase } from './schema.js';

/** PostgreSQL allows 65535 bound parameters per statement; a row takes 5. */
const ROWS_PER_INSERT = 4000;
/** Rows looked at per read when choosing how many fit in maxBytes. */
const ROWS_PER_READ = 256;

/**
 * The cluster's output log: every chunk a row of PostgreSQL, committed by the owner before it
 * reaches the live stream, so whatever a watcher has seen is stored.
 */
export class PgOutputLog implements OutputLog {
  constructor(private readonly db: Kysely<PgDatabase>) {}

  async appendOutput(chunks: readonly StoredChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const rows = chunks.map((c) => ({
      execution_id: c.executionId,
      seq: c.seq,
      stream: c.stream,
      data: Buffer.isBuffer(c.data) ? c.data : Buffer.from(c.data),
      arrived_at: c.at,
    }));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('execution_output')
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .execute();
      }
    });
  }

  async discard(executionIds: readonly string[]): Promise<void> {
    if (executionIds.length === 0) return;
    await this.db
      .deleteFrom('execution_output')
      .where('execution_id', 'in', [...executionIds])
      .execute();
  }

  async readOutput(executionId: string, fromSeq: number, maxBytes: number): Promise<OutputChunk[]> {
    // Sizes first, so that a read never loads more bytes than it returns.
    const sizes = await this.db
      .selectFrom('execution_output')
      .select(['seq', sql<number>`octet_length(data)`.as('bytes')])
      .where('execution_id', '=', executionId)
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(ROWS_PER_READ)
      .execute();
    const last =
      sizes[
        chunksWithin(
          sizes.map((row) => row.bytes),
          maxBytes,
        ) - 1
      ]?.seq;
    if (last === undefined) return [];
    const rows = await this.db
      .selectFrom('execution_output')
      .select(['seq', 'stream', 'data', 'arrived_at'])
      .where('execution_id', '=', executionId)
      .where('seq', '>=', fromSeq)
      .where('seq', '<=', last)
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({
      seq: row.seq,
      stream: row.stream,
      data: row.data,
      at: row.arrived_at,
    }));
  }

  async summary(executionId: string): Promise<{ lastSeq: number; outputBytes: number }> {
    const row = await this.db
      .selectFrom('execution_output')
      .select([
        sql<number | null>`max(seq)`.as('last_seq'),
        sql<string | null>`sum(octet_length(data))`.as('output_bytes'),
      ])
      .where('execution_id', '=', executionId)
      .executeTakeFirst();
    return { lastSeq: Number(row?.last_seq ?? 0), outputBytes: Number(row?.output_bytes ?? 0) };
  }

  complete(): Promise<void> {
    return Promise.resolve();
  }
}
