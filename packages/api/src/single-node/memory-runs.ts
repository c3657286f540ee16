import type { HostChange, RunChange, RunStore, RunTransaction } from '../ports/runs.js';
import { pendingHost } from '../runs/host-reducer.js';
import type { HostStatus, RunHost, RunRecord } from '../domain/run.js';

interface StoredRun {
  run: RunRecord;
  readonly hosts: RunHost[];
  /** Decisions on this run take turns. */
  turn: Promise<unknown>;
}

/** Fleet runs in memory: the reference the SQL stores are checked against (and for tests). */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, StoredRun>();

  create(run: RunRecord, targets: readonly string[]): Promise<void> {
    this.runs.set(run.id, {
      run,
      turn: Promise.resolve(),
      hosts: targets.map((target, position) => pendingHost(target, position, run.version)),
    });
    return Promise.resolve();
  }

  get(id: string): Promise<RunRecord | undefined> {
    return Promise.resolve(this.runs.get(id)?.run);
  }

  hosts(
    id: string,
    filter: { readonly afterVersion?: number; readonly status?: HostStatus } = {},
  ): Promise<RunHost[]> {
    let hosts = [...(this.runs.get(id)?.hosts ?? [])];
    if (filter.status !== undefined) hosts = hosts.filter((h) => h.status === filter.status);
    if (filter.afterVersion !== undefined) {
      const after = filter.afterVersion;
      hosts = hosts
        .filter((h) => h.version > after)
        .sort((a, b) => a.version - b.version || a.position - b.position);
    }
    return Promise.resolve(hosts);
  }

  counts(id: string): Promise<Partial<Record<HostStatus, number>>> {
    return Promise.resolve(countHosts(this.runs.get(id)?.hosts ?? []));
  }

  list(query: {
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ items: RunRecord[]; nextCursor: string | null }> {
    const all = [...this.runs.values()]
      .map((r) => r.run)
      .filter((r) => query.username === undefined || r.username === query.username)
      .sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1));
    const start = query.cursor === undefined ? 0 : all.findIndex((r) => r.id === query.cursor) + 1;
    const items = all.slice(start, start + query.limit);
    const more = all.length > start + query.limit;
    return Promise.resolve({ items, nextCursor: more ? (items.at(-1)?.id ?? null) : null });
  }

  active(username?: string): Promise<RunRecord[]> {
    return Promise.resolve(
      [...this.runs.values()]
        .map((r) => r.run)
        .filter(
          (r) => r.status === 'running' && (username === undefined || r.username === username),
        )
        .sort((a, b) => a.createdAt - b.createdAt),
    );
  }

  deleteEnded(finishedBefore: number): Promise<number> {
    let count = 0;
    for (const [id, stored] of this.runs) {
      if (stored.run.finishedAt !== null && stored.run.finishedAt < finishedBefore) {
        this.runs.delete(id);
        count += 1;
      }
    }
    return Promise.resolve(count);
  }

  async transact<T>(id: string, work: (tx: RunTransaction) => Promise<T>): Promise<T | undefined> {
    const stored = this.runs.get(id);
    if (stored === undefined) return undefined;
    const previous = stored.turn;
    let release = (): void => undefined;
    stored.turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      const version = stored.run.version + 1;
      let changed = false;
      const stamp = (): void => {
        changed = true;
      };
      const tx: RunTransaction = {
        run: stored.run,
        counts: () => Promise.resolve(countHosts(stored.hosts)),
        firstUnfinished: () =>
          Promise.resolve(
            stored.hosts.find((h) => h.status === 'pending' || h.status === 'running')?.position ??
              null,
          ),
        runningOn: (instance) =>
          Promise.resolve(
            stored.hosts.filter((h) => h.status === 'running' && h.instance === instance).length,
          ),
        pendingBefore: (before, limit) =>
          Promise.resolve(
            stored.hosts
              .filter((h) => h.status === 'pending' && h.position < before)
              .slice(0, limit),
          ),
        hostsWith: (status) => Promise.resolve(stored.hosts.filter((h) => h.status === status)),
        updateHosts: (which, change: HostChange) => {
          stamp();
          stored.hosts.forEach((host, i) => {
            const hit = which === 'pending' ? host.status === 'pending' : which.includes(i);
            if (hit) stored.hosts[i] = { ...host, ...change, version };
          });
          return Promise.resolve();
        },
        updateRun: (change: RunChange) => {
          stamp();
          stored.run = { ...stored.run, ...change };
          return Promise.resolve();
        },
      };
      const result = await work(tx);
      if (changed) stored.run = { ...stored.run, version };
      return result;
    } finally {
      release();
    }
  }
}

/** How many hosts are in each status. */
export function countHosts(hosts: readonly RunHost[]): Partial<Record<HostStatus, number>> {
  const counts: Partial<Record<HostStatus, number>> = {};
  for (const host of hosts) counts[host.status] = (counts[host.status] ?? 0) + 1;
  return counts;
}
