import type { HostStatus, RunHost, RunRecord } from '../domain/run.js';

/** What a host's row may be changed to (the store stamps the change's progress number). */
export type HostChange = Partial<
  Omit<RunHost, 'target' | 'position' | 'version' | 'executionId' | 'instance'>
> & {
  readonly executionId?: string | null;
  readonly instance?: string | null;
};

/** What a run's row may be changed to. */
export type RunChange = Partial<Pick<RunRecord, 'status' | 'stop' | 'stopReason' | 'finishedAt'>>;

/**
 * One run locked for a decision (PostgreSQL: the run's row FOR UPDATE; SQLite: its single
 * writer), so that instances deciding on the same run take turns. Every change made through it
 * gets one new progress number, committed with it.
 */
export interface RunTransaction {
  /** The run as it was when the transaction began (`requestedTargets` left out: null). */
  readonly run: RunRecord;
  /** How many hosts are in each status. */
  counts(): Promise<Partial<Record<HostStatus, number>>>;
  /** The lowest position of a host that is pending or running, or null if every host ended. */
  firstUnfinished(): Promise<number | null>;
  /** Hosts running on this instance. */
  runningOn(instance: string): Promise<number>;
  /** Up to `limit` pending hosts before position `before`, in order. */
  pendingBefore(before: number, limit: number): Promise<RunHost[]>;
  /** Hosts with this status. */
  hostsWith(status: HostStatus): Promise<RunHost[]>;
  /** Changes these hosts (by position), or every host with status `pending`. */
  updateHosts(which: readonly number[] | 'pending', change: HostChange): Promise<void>;
  updateRun(change: RunChange): Promise<void>;
}

/** Fleet runs and their hosts. The contract suite in `@ogent/api/testing` pins the semantics. */
export interface RunStore {
  /** A new run with its hosts, all pending, in this order. */
  create(run: RunRecord, targets: readonly string[]): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /**
   * Every host, by position; with `afterVersion`, those changed after it, by version; with
   * `status`, those in it.
   */
  hosts(
    id: string,
    filter?: { readonly afterVersion?: number; readonly status?: HostStatus },
  ): Promise<RunHost[]>;
  counts(id: string): Promise<Partial<Record<HostStatus, number>>>;
  /** Runs, newest first, a page at a time; one user's when `username` is given. */
  list(query: {
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ items: RunRecord[]; nextCursor: string | null }>;
  /** Runs still running, oldest first; one user's when `username` is given. */
  active(username?: string): Promise<RunRecord[]>;
  /** Deletes runs that ended before `finishedBefore` (retention), with their hosts; how many. */
  deleteEnded(finishedBefore: number): Promise<number>;
  /** Runs `work` with the run locked; undefined when there is no such run. */
  transact<T>(id: string, work: (tx: RunTransaction) => Promise<T>): Promise<T | undefined>;
}

/**
 * Which runs changed, heard on every instance: whoever changes a run says so here, and watchers
 * of that run anywhere read its new state at once instead of at their next look. In process for
 * the single node; a Redis channel in cluster mode. It carries no state: a missed message only
 * delays a watcher to its next look, never loses a change.
 */
export interface RunFeed {
  /** Says that the run changed; listeners on this instance hear it before this returns. */
  publish(runId: string): void;
  /** Calls `listener` with the id of each run that changes, on any instance; returns how to stop. */
  subscribe(listener: (runId: string) => void): () => void;
}
