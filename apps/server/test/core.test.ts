import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AuthUser,
  type ExecutionMessage,
  ExecutionService,
  InProcessControl,
  InProcessCoordination,
  InProcessLiveBus,
  silentLogger,
} from '@ogent/api';
import {
  describeExecutionStoreContract,
  describeAuditStoreContract,
  describeRunStoreContract,
  describeSigningKeyStoreContract,
} from '@ogent/api/testing';
import { CommandPolicy, Executor, LocalTransport, systemClock } from '@ogent/executor';
import { pgrep } from '@ogent/executor/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OpenDatabase, openDatabase } from '../src/storage/database.js';
import { FileOutputLog } from '../src/storage/file-output-log.js';
import { OutputFiles } from '../src/storage/output-files.js';
import { SqlRecords } from '../src/storage/records.js';
import { SqlRunStore } from '../src/storage/runs.js';
import { SqlAuditStore } from '../src/storage/audit.js';
import { FileSigningKeyStore } from '../src/storage/signing-key.js';

/** Opens the single node's store (SQLite and output files) in a new directory. */
async function openStore(): Promise<{
  records: SqlRecords;
  log: FileOutputLog;
  database: OpenDatabase;
  files: OutputFiles;
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-store-'));
  const database = await openDatabase(dir);
  const files = await OutputFiles.open(dir);
  return {
    records: new SqlRecords(database.db),
    log: new FileOutputLog(database, files),
    database,
    files,
    close: async () => {
      await files.closeAll();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeExecutionStoreContract('SQLite and output files', async () => {
  const opened = await openStore();
  return { records: opened.records, log: opened.log, close: opened.close };
});

describeAuditStoreContract('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-audit-'));
  const database = await openDatabase(dir);
  return {
    store: new SqlAuditStore(database.db, 'sqlite'),
    close: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeRunStoreContract('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-runs-'));
  const database = await openDatabase(dir);
  return {
    store: new SqlRunStore(database.db, 'sqlite'),
    close: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeSigningKeyStoreContract('a file in dataDir', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-keys-'));
  return Promise.resolve({
    stores: [new FileSigningKeyStore(dir), new FileSigningKeyStore(dir)],
    close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

/**
 * Two execution services over one database, as two instances of a cluster: they share records,
 * output, control and coordination, but each has its own live bus, which does not reach the
 * other. Before the core was reshaped, a watcher on the second saw a false `interrupted` end
 * while the command still ran, and a cancel there did nothing.
 */
describe('two instances over one database', () => {
  const user: AuthUser = {
    username: 'alice',
    roles: ['operator'],
    viewAll: false,
    cancelAll: false,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
  let opened: Awaited<ReturnType<typeof openStore>>;
  let executor: Executor;
  let first: ExecutionService;
  let second: ExecutionService;
  let scriptDir: string;
  /** A duration no other test uses, for pgrep. */
  const marker = String(7_000_000 + Math.floor(Math.random() * 1_000_000));

  beforeAll(async () => {
    opened = await openStore();
    scriptDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-core-'));
    chmodSync(scriptDir, 0o755);
    const script = path.join(scriptDir, 'lines.sh');
    writeFileSync(
      script,
      '#!/bin/sh\ni=1\nwhile [ "$i" -le "$1" ]; do echo "line $i"; sleep 0.02; i=$((i + 1)); done\n',
      { mode: 0o755 },
    );
    executor = new Executor([{ id: 'local', transport: 'local' }]);
    const policy = new CommandPolicy({
      commands: {
        lines: {
          path: script,
          args: { min: 1, max: 1, integer: { min: 1, max: 1000 } },
          endOfOptions: false,
        },
        sleep: { path: '/bin/sleep', args: { min: 1, max: 1, integer: true } },
      },
      roles: { operator: { commands: ['*'], targets: ['*'] } },
    });
    const shared = {
      executor,
      policy,
      records: opened.records,
      log: opened.log,
      control: new InProcessControl(),
      coordination: new InProcessCoordination(systemClock),
      limits: {
        maxConcurrentPerUser: 8,
        timeoutMs: 60_000,
        maxOutputBytes: 1 << 20,
        maxInputLength: 4096,
      },
      logger: silentLogger,
      clock: systemClock,
    };
    first = new ExecutionService({ ...shared, bus: new InProcessLiveBus(), instanceId: 'first' });
    second = new ExecutionService({ ...shared, bus: new InProcessLiveBus(), instanceId: 'second' });
  });

  afterAll(async () => {
    await first?.shutdown();
    await second?.shutdown();
    await executor?.close();
    await opened?.close();
    rmSync(scriptDir, { recursive: true, force: true });
  });

  /** The account the local target runs commands as (nobody, when the tests run as root). */
  const runsAs = (): string => {
    const transport = executor.transport('local');
    return transport instanceof LocalTransport ? transport.account.username : '';
  };
  const collect = async (
    service: ExecutionService,
    id: string,
    after = 0,
  ): Promise<ExecutionMessage[]> => {
    const messages: ExecutionMessage[] = [];
    for await (const message of service.watch(user, id, {
      after,
      signal: new AbortController().signal,
    })) {
      messages.push(message);
    }
    return messages;
  };
  const text = (messages: readonly ExecutionMessage[]): string =>
    messages.map((m) => (m.type === 'output' ? Buffer.from(m.data).toString() : '')).join('');
  const expected = (n: number): string =>
    Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');

  it('a watcher on the other instance follows the output to the true end', async () => {
    const { executionId } = await first.execute(user, {
      target: 'local',
      command: 'lines 40',
      source: 'trpc',
    });
    const [onFirst, onSecond] = await Promise.all([
      collect(first, executionId),
      collect(second, executionId),
    ]);
    for (const messages of [onFirst, onSecond]) {
      expect(text(messages)).toBe(expected(40));
      expect(messages.at(-1)).toMatchObject({ type: 'end', status: 'completed', exitCode: 0 });
    }
    // Resuming on the other instance after some event gets exactly the rest.
    const cut = onFirst[10];
    if (cut === undefined) throw new Error('too few events');
    const rest = await collect(second, executionId, cut.seq);
    expect(text([...onFirst.slice(0, 11), ...rest])).toBe(expected(40));
  });

  it('a cancel asked on the other instance reaches the one running it', async () => {
    const { executionId } = await first.execute(user, {
      target: 'local',
      command: `sleep ${marker}`,
      source: 'trpc',
    });
    const watching = collect(second, executionId);
    await vi.waitFor(() => expect(pgrep(runsAs(), `sleep -- ${marker}`).length).toBe(1), {
      timeout: 5_000,
    });
    expect(await second.cancel(user, executionId)).toEqual({ cancelled: true, status: 'running' });
    const messages = await watching;
    expect(messages.at(-1)).toMatchObject({ type: 'end', status: 'cancelled', signal: 'TERM' });
    await vi.waitFor(() => expect(pgrep(runsAs(), `sleep -- ${marker}`)).toEqual([]));
    expect((await second.byId(user, executionId)).status).toBe('cancelled');
  });

  it('recovery on a starting instance leaves what another instance runs alone', async () => {
    const { executionId } = await first.execute(user, {
      target: 'local',
      command: 'lines 30',
      source: 'trpc',
    });
    expect(await second.recover()).toBe(0);
    const messages = await collect(second, executionId);
    expect(messages.at(-1)).toMatchObject({ type: 'end', status: 'completed' });
  });
});
