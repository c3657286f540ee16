import { type AuditEntry, type AuditEvent, type AuditStore, GENESIS_HASH, chain } from '@ogent/api';
import type { Kysely, Selectable } from 'kysely';
import type { PgDatabase } from './postgres/schema.js';
import type { AuditEventsTable, AuditHeadTable, Database } from './schema.js';

interface AuditDatabase {
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    type: row.type as AuditEvent['type'],
    actor: row.actor,
    address: row.address,
    subject: row.subject,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Rows inserted per statement (9 columns each, well under SQLite's bound-value limit). */
const INSERT_BATCH = 1_000;

/**
 * The audit trail in SQL, the same queries on SQLite and PostgreSQL. The head row (the last
 * event's id and hash) is locked for each append (FOR UPDATE on PostgreSQL; SQLite has one
 * writer), so appends from every instance extend one chain.
 */
export class SqlAuditStore implements AuditStore {
  private readonly db: Kysely<AuditDatabase>;

  constructor(
    db: Kysely<Database> | Kysely<PgDatabase>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.db = db as unknown as Kysely<AuditDatabase>;
  }

  async append(entries: readonly AuditEntry[]): Promise<AuditEvent[]> {
    if (entries.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('audit_head').selectAll().where('k', '=', 1);
      if (this.dialect === 'postgres') query = query.forUpdate();
      const head = await query.executeTakeFirst();
      const events = chain(
        { id: head?.last_id ?? 0, hash: head?.last_hash ?? GENESIS_HASH },
        entries,
      );
      for (let from = 0; from < events.length; from += INSERT_BATCH) {
        await trx
          .insertInto('audit_events')
          .values(
            events.slice(from, from + INSERT_BATCH).map((e) => ({
              id: e.id,
              at: e.at,
              type: e.type,
              actor: e.actor,
              address: e.address,
              subject: e.subject,
              data: e.data,
              prev_hash: e.prevHash,
              hash: e.hash,
            })),
          )
          .execute();
      }
      const last = events[events.length - 1];
      if (last !== undefined) {
        await trx
          .updateTable('audit_head')
          .set({ last_id: last.id, last_hash: last.hash })
          .where('k', '=', 1)
          .execute();
      }
      return events;
    });
  }

  async after(afterId: number, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async head(): Promise<{ id: number; hash: string }> {
    const row = await this.db
      .selectFrom('audit_head')
      .selectAll()
      .where('k', '=', 1)
      .executeTakeFirst();
    return { id: row?.last_id ?? 0, hash: row?.last_hash ?? GENESIS_HASH };
  }
}
