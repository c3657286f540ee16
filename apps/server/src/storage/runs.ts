import type {
  HostChange,
  HostStatus,
  RunChange,
  RunHost,
  RunOptions,
  RunRecord,
  RunStatus,
  RunStore,
  RunTransaction,
} from '@ogent/api';
import type { ExecutionState } from '@ogent/api';
import { defined } from '@ogent/executor';
import { type Kysely, type Selectable, type Updateable, sql } from 'kysely';
import { decodeCursor, pageOf } from './cursor.js';
import type { PgDatabase } from './postgres/schema.js';
import type { Database, RunHostsTable, RunsTable } from './schema.js';

/** Any database that holds the runs tables: SQLite for the single node, PostgreSQL. */
interface RunsDatabase {
  runs: RunsTable;
  run_hosts: RunHostsTable;
}

/**
 * A run row as a record. `requestedTargets` (up to every target id) is parsed only when asked
 * for: decisions, one per host change, never read it.
 */
function toRun(row: Selectable<RunsTable>, withTargets = true): RunRecord {
  return {
    id: row.id,
    username: row.username,
    roles: JSON.parse(row.roles) as string[],
    command: row.command,
    selector: row.selector,
    requestedTargets:
      row.requested_targets === null || !withTargets
        ? null
        : (JSON.parse(row.requested_targets) as string[]),
    options: JSON.parse(row.options) as RunOptions,
    status: row.status as RunStatus,
    stop: row.stop as RunRecord['stop'],
    stopReason: row.stop_reason,
    retryOf: row.retry_of,
    source: row.source,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    version: row.version,
    total: row.total,
  };
}

function toHost(row: Selectable<RunHostsTable>): RunHost {
  return {
    target: row.target,
    position: row.position,
    status: row.status as HostStatus,
    executionId: row.execution_id,
    executionStatus: row.execution_status as Exclude<ExecutionState, 'running'> | null,
    exitCode: row.exit_code,
    signal: row.signal,
    execTime: row.exec_time,
    error:
      row.error_code === null && row.error === null
        ? null
        : { code: row.error_code ?? 'unknown', message: row.error ?? '' },
    outputBytes: row.output_bytes,
    outputSha256: row.output_sha256,
    instance: row.instance,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    version: row.version,
  };
}

/** A host change as columns; only the fields given. */
function hostColumns(change: HostChange, version: number): Updateable<RunHostsTable> {
  const columns: Updateable<RunHostsTable> = { version };
  if (change.status !== undefined) columns.status = change.status;
  if (change.executionId !== undefined) columns.execution_id = change.executionId;
  if (change.executionStatus !== undefined) columns.execution_status = change.executionStatus;
  if (change.exitCode !== undefined) columns.exit_code = change.exitCode;
  if (change.signal !== undefined) columns.signal = change.signal;
  if (change.execTime !== undefined) columns.exec_time = change.execTime;
  if (change.error !== undefined) {
    columns.error_code = change.error?.code ?? null;
    columns.error = change.error?.message ?? null;
  }
  if (change.outputBytes !== undefined) columns.output_bytes = change.outputBytes;
  if (change.outputSha256 !== undefined) columns.output_sha256 = change.outputSha256;
  if (change.instance !== undefined) columns.instance = change.instance;
  if (change.startedAt !== undefined) columns.started_at = change.startedAt;
  if (change.finishedAt !== undefined) columns.finished_at = change.finishedAt;
  return columns;
}

/** Hosts inserted per statement (SQLite allows 32,766 bound values; 17 columns each). */
const INSERT_BATCH = 500;

/**
 * Fleet runs in SQL, the same queries on SQLite and PostgreSQL. A decision locks the run's row
 * (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has one writer, which Kysely's driver holds for
 * the whole transaction), so instances deciding on one run take turns.
 */
export class SqlRunStore implements RunStore {
  private readonly db: Kysely<RunsDatabase>;

  constructor(
    db: Kysely<Database> | Kysely<PgDatabase>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    // Kysely's type is invariant in the schema; these queries touch the runs tables only.
    this.db = db as unknown as Kysely<RunsDatabase>;
  }

  async create(run: RunRecord, targets: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('runs')
        .values({
          id: run.id,
          username: run.username,
          roles: JSON.stringify(run.roles),
          command: run.command,
          selector: run.selector,
          requested_targets:
            run.requestedTargets === null ? null : JSON.stringify(run.requestedTargets),
          options: JSON.stringify(run.options),
          status: run.status,
          stop: run.stop,
          stop_reason: run.stopReason,
          retry_of: run.retryOf,
          source: run.source,
          created_at: run.createdAt,
          finished_at: run.finishedAt,
          version: run.version,
          total: run.total,
        })
        .execute();
      for (let from = 0; from < targets.length; from += INSERT_BATCH) {
        await trx
          .insertInto('run_hosts')
          .values(
            targets.slice(from, from + INSERT_BATCH).map((target, i) => ({
              run_id: run.id,
              position: from + i,
              target,
              status: 'pending',
              execution_id: null,
              execution_status: null,
              exit_code: null,
              signal: null,
              exec_time: null,
              error_code: null,
              error: null,
              output_bytes: 0,
              output_sha256: null,
              instance: null,
              started_at: null,
              finished_at: null,
              version: run.version,
            })),
          )
          .execute();
      }
    });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  async hosts(
    id: string,
    filter: { readonly afterVersion?: number; readonly status?: HostStatus } = {},
  ): Promise<RunHost[]> {
    let q = this.db.selectFrom('run_hosts').selectAll().where('run_id', '=', id);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.afterVersion !== undefined) {
      q = q.where('version', '>', filter.afterVersion).orderBy('version').orderBy('position');
    } else {
      q = q.orderBy('position');
    }
    return (await q.execute()).map(toHost);
  }

  counts(id: string): Promise<Partial<Record<HostStatus, number>>> {
    return countsOf(this.db, id);
  }

  async list(query: {
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ items: RunRecord[]; nextCursor: string | null }> {
    let q = this.db.selectFrom('runs').selectAll();
    if (query.username !== undefined) q = q.where('username', '=', query.username);
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
    return pageOf(
      rows.map((row) => toRun(row)),
      query.limit,
    );
  }

  async active(username?: string): Promise<RunRecord[]> {
    let q = this.db.selectFrom('runs').selectAll().where('status', '=', 'running');
    if (username !== undefined) q = q.where('username', '=', username);
    return (await q.orderBy('created_at').execute()).map((row) => toRun(row));
  }

  async deleteEnded(finishedBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom('runs')
      .where('status', '!=', 'running')
      .where('finished_at', '<', finishedBefore)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async transact<T>(id: string, work: (tx: RunTransaction) => Promise<T>): Promise<T | undefined> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('runs').selectAll().where('id', '=', id);
      if (this.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (row === undefined) return undefined;
      const run = toRun(row, false);
      const version = run.version + 1;
      let changed = false;
      const tx: RunTransaction = {
        run,
        counts: () => countsOf(trx, id),
        firstUnfinished: async () => {
          const first = await trx
            .selectFrom('run_hosts')
            .select((eb) => eb.fn.min<number>('position').as('position'))
            .where('run_id', '=', id)
            .where('status', 'in', ['pending', 'running'])
            .executeTakeFirst();
          return first?.position ?? null;
        },
        runningOn: async (instance) => {
          const row = await trx
            .selectFrom('run_hosts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('run_id', '=', id)
            .where('status', '=', 'running')
            .where('instance', '=', instance)
            .executeTakeFirst();
          return Number(row?.n ?? 0);
        },
        pendingBefore: async (before, limit) =>
          (
            await trx
              .selectFrom('run_hosts')
              .selectAll()
              .where('run_id', '=', id)
              .where('status', '=', 'pending')
              .where('position', '<', before)
              .orderBy('position')
              .limit(limit)
              .execute()
          ).map(toHost),
        hostsWith: async (status) =>
          (
            await trx
              .selectFrom('run_hosts')
              .selectAll()
              .where('run_id', '=', id)
              .where('status', '=', status)
              .orderBy('position')
              .execute()
          ).map(toHost),
        updateHosts: async (which, change) => {
          if (which !== 'pending' && which.length === 0) return;
          changed = true;
          let update = trx
            .updateTable('run_hosts')
            .set(hostColumns(change, version))
            .where('run_id', '=', id);
          update =
            which === 'pending'
              ? update.where('status', '=', 'pending')
              : update.where('position', 'in', [...which]);
          await update.execute();
        },
        updateRun: async (change: RunChange) => {
          changed = true;
          await trx
            .updateTable('runs')
            .set(
              defined({
                status: change.status,
                stop: change.stop,
                stop_reason: change.stopReason,
                finished_at: change.finishedAt,
              }),
            )
            .where('id', '=', id)
            .execute();
        },
      };
      const result = await work(tx);
      if (changed) {
        await trx.updateTable('runs').set({ version }).where('id', '=', id).execute();
      }
      return result;
    });
  }
}

async function countsOf(
  db: Kysely<RunsDatabase>,
  id: string,
): Promise<Partial<Record<HostStatus, number>>> {
  const rows = await db
    .selectFrom('run_hosts')
    .select(['status', sql<number>`count(*)`.as('n')])
    .where('run_id', '=', id)
    .groupBy('status')
    .execute();
  const counts: Partial<Record<HostStatus, number>> = {};
  for (const row of rows) counts[row.status as HostStatus] = Number(row.n);
  return counts;
}
