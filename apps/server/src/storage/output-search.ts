import { MATCH_END, MATCH_START, type OutputSearchIndex } from '@ogent/api';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { PgDatabase } from './postgres/schema.js';
import type { Database } from './schema.js';

/** The one table both databases hold for search (PostgreSQL's also has a generated tsvector). */
interface SearchDatabase {
  output_search: { execution_id: string; body: string };
}

/** Ids per statement: far below SQLite's limit on bound parameters. */
const BATCH = 500;

/** Words of context FTS5 puts in a snippet (it allows 64 at most). */
const SNIPPET_TOKENS = 24;

/**
 * FTS5's query for every word: each one a quoted string (`"` doubled inside), so nothing the
 * user types is read as query syntax (`OR`, `NEAR`, `*`, `-`, column filters); the words must
 * all be there. A word with punctuation (`10.0.0.5`) is a phrase of its tokens.
 */
export function fts5Query(words: readonly string[]): string {
  return words.map((word) => `"${word.replace(/"/g, '""')}"`).join(' ');
}

/**
 * Output search in the database's own full-text index: an FTS5 table on SQLite (migration
 * `0009_output_search`), a tsvector with a GIN index on PostgreSQL (`0008_output_search`),
 * queried with `plainto_tsquery('simple', ...)`: every word, whole, case folded. The records
 * store asks it for the condition and the snippets of a listing.
 */
export class SqlOutputSearch implements OutputSearchIndex {
  private readonly db: Kysely<SearchDatabase>;

  constructor(
    db: Kysely<Database> | Kysely<PgDatabase>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    // Kysely's type is invariant in the schema; these queries touch the search table only.
    this.db = db as unknown as Kysely<SearchDatabase>;
  }

  async index(executionId: string, text: string): Promise<void> {
    if (this.dialect === 'postgres') {
      await this.db
        .insertInto('output_search')
        .values({ execution_id: executionId, body: text })
        .onConflict((oc) => oc.column('execution_id').doUpdateSet({ body: text }))
        .execute();
      return;
    }
    // An FTS5 table has no unique key: replace by deleting first, in one transaction.
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('output_search').where('execution_id', '=', executionId).execute();
      await trx
        .insertInto('output_search')
        .values({ execution_id: executionId, body: text })
        .execute();
    });
  }

  async remove(executionIds: readonly string[]): Promise<void> {
    for (let i = 0; i < executionIds.length; i += BATCH) {
      await this.db
        .deleteFrom('output_search')
        .where('execution_id', 'in', executionIds.slice(i, i + BATCH))
        .execute();
    }
  }

  /** A condition on `executions`: its indexed output has every one of these words. */
  matches(words: readonly string[]): RawBuilder<boolean> {
    return this.dialect === 'postgres'
      ? sql<boolean>`id in (select execution_id from output_search where document @@ plainto_tsquery('simple', ${words.join(' ')}))`
      : sql<boolean>`id in (select execution_id from output_search where output_search match ${fts5Query(words)})`;
  }

  /**
   * Snippets of these executions' indexed output around the words, their matches marked with
   * MATCH_START and MATCH_END; only for those whose output matches.
   */
  async snippets(ids: readonly string[], words: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0 || words.length === 0) return new Map();
    const rows =
      this.dialect === 'postgres'
        ? await sql<{ execution_id: string; snippet: string }>`
            select execution_id,
              ts_headline('simple', body, query, ${`StartSel="${MATCH_START}", StopSel="${MATCH_END}", MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1, FragmentDelimiter=" … "`}) as snippet
            from output_search, plainto_tsquery('simple', ${words.join(' ')}) as query
            where execution_id in (${sql.join([...ids])}) and document @@ query`.execute(this.db)
        : await sql<{ execution_id: string; snippet: string }>`
            select execution_id,
              snippet(output_search, 1, ${MATCH_START}, ${MATCH_END}, '…', ${SNIPPET_TOKENS}) as snippet
            from output_search
            where output_search match ${fts5Query(words)}
              and execution_id in (${sql.join([...ids])})`.execute(this.db);
    return new Map(rows.rows.map((r) => [r.execution_id, r.snippet]));
  }
}
