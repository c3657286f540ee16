import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type PostgresFixture,
  type RedisFixture,
  startPostgres,
  startRedis,
} from '@ogent/server/testing';
import { stringify } from 'yaml';
import { type BenchStack, type ServerProcess, benchConfig, spawnServer } from './stack.js';

/** Two instances of the built server sharing a PostgreSQL and a Redis, on the bench's target. */
export interface BenchCluster {
  readonly owner: ServerProcess;
  readonly watcher: ServerProcess;
  stop(): Promise<void>;
}

/**
 * CPU time (user + system) of a process so far, in seconds, from /proc; of one of its threads
 * when `tid` is given (the main thread's id is the process id).
 */
export function cpuSeconds(pid: number, tid?: number): number {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return ticks / 100;
}

export async function startBenchCluster(single: BenchStack): Promise<BenchCluster> {
  let postgres: PostgresFixture | undefined;
  let redis: RedisFixture | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-bench-cluster-'));
  const started: ServerProcess[] = [];
  try {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const env = { OGENT_DATABASE_URL: postgres.url, OGENT_REDIS_URL: redis.url };
    for (const name of ['owner', 'watcher']) {
      const file = path.join(dataDir, `${name}.yaml`);
      const config = benchConfig(single.sshd, dataDir);
      writeFileSync(file, stringify({ ...config, cluster: { instanceId: name } }));
      // One after the other: the first migrates the database.
      started.push(await spawnServer(file, { env }));
    }
  } catch (error) {
    await Promise.allSettled([...started.map((s) => s.stop()), postgres?.stop(), redis?.stop()]);
    throw error;
  }
  const [owner, watcher] = started;
  if (owner === undefined || watcher === undefined) throw new Error('no instances');
  return {
    owner,
    watcher,
    stop: async () => {
      await Promise.allSettled(started.map((s) => s.stop()));
      await Promise.allSettled([postgres?.stop(), redis?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
