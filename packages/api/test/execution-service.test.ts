import { CommandPolicy, Executor, ManualClock } from '@ogent/executor';
import { alice, singleNodeExecutions } from './fixtures.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountAdmin } from '../src/auth/accounts.js';
import { AuthService } from '../src/auth/service.js';
import { SessionService } from '../src/auth/sessions.js';
import { LoginThrottle } from '../src/auth/login-throttle.js';
import { hashPassword } from '../src/passwords.js';
import { TokenService, generateSigningKey } from '../src/auth/tokens.js';
import { TargetCatalog } from '../src/catalog.js';
import { createContext } from '../src/context.js';
import { silentLogger } from '../src/logger.js';
import { appRouter } from '../src/routers/root.js';
import { InProcessCoordination } from '../src/single-node/coordination.js';
import { MemoryRunStore } from '../src/single-node/memory-runs.js';
import { InProcessRunFeed } from '../src/single-node/run-feed.js';
import { MemoryExecutionStore } from '../src/single-node/memory-store.js';
import { RunService } from '../src/runs/service.js';
import { AuditAccess } from '../src/audit/access.js';
import { MemoryAuditStore } from '../src/single-node/memory-audit.js';
import { InProcessSessionEvents, MemorySessionStore } from '../src/single-node/memory-sessions.js';
import { limitsConfigSchema, retentionConfigSchema, runsConfigSchema } from '../src/config.js';
import { StorageAccess } from '../src/retention/access.js';
import { sampleRecord } from '../src/testing/contracts.js';
import { createCallerFactory } from '../src/trpc.js';
import { LEASE_TTL_MS } from '../src/executions/runner.js';
import type { ExecutionMessage } from '../src/domain/execution.js';
import { REMOTE_POLL_MS } from '../src/executions/watcher.js';

/** The execution service on the single node's parts, with time in the test's hands. */
function build() {
  const clock = new ManualClock();
  const store = new MemoryExecutionStore();
  const coordination = new InProcessCoordination(clock);
  const executor = new Executor([{ id: 'local', transport: 'local' }]);
  const policy = new CommandPolicy({
    commands: { true: { path: '/bin/true' } },
    roles: { operator: { commands: ['*'], targets: ['*'] } },
  });
  const service = singleNodeExecutions({ executor, policy, store, coordination, clock });
  return { clock, store, coordination, executor, policy, service };
}

let built: ReturnType<typeof build> | undefined;
afterEach(async () => {
  await built?.executor.close();
  built = undefined;
});

describe('ExecutionService', () => {
  it('recovers an execution only once no instance holds its lease', async () => {
    built = build();
    const { clock, store, coordination, service } = built;
    const record = sampleRecord({ username: 'alice', target: 'local' });
    await store.insert(record);
    await store.appendOutput([
      { executionId: record.id, seq: 1, stream: 'stdout', data: Buffer.from('a\n'), at: 1 },
      { executionId: record.id, seq: 2, stream: 'stderr', data: Buffer.from('bc\n'), at: 2 },
    ]);
    await coordination.claim(record.id, 'another-instance', LEASE_TTL_MS);
    expect(await service.recover()).toBe(0);
    clock.advance(LEASE_TTL_MS);
    // Seen without an owner for the first time: a lease can be missing for a moment.
    expect(await service.recover()).toBe(0);
    clock.advance(LEASE_TTL_MS - 1);
    expect(await service.recover()).toBe(0);
    clock.advance(1);
    expect(await service.recover()).toBe(1);
    expect(await store.get(record.id)).toMatchObject({
      status: 'interrupted',
      errorCode: 'interrupted',
      lastSeq: 2,
      outputBytes: 5,
      finishedAt: clock.now(),
    });
  });

  it('follows an execution that runs on another instance through the log, to its true end', async () => {
    built = build();
    const { clock, store, coordination, service } = built;
    const record = sampleRecord({ username: 'alice', target: 'local' });
    await store.insert(record);
    await coordination.claim(record.id, 'another-instance', LEASE_TTL_MS);
    const messages: ExecutionMessage[] = [];
    const watching = (async () => {
      for await (const m of service.watch(alice, record.id, {
        after: 0,
        signal: new AbortController().signal,
      })) {
        messages.push(m);
      }
    })();
    const tick = async (): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(REMOTE_POLL_MS);
      await new Promise((resolve) => setImmediate(resolve));
    };
    await tick();
    // Still running elsewhere: no false `interrupted` end.
    expect(messages).toEqual([]);
    const at = clock.now();
    await store.appendOutput([
      { executionId: record.id, seq: 1, stream: 'stdout', data: Buffer.from('first\n'), at },
    ]);
    await tick();
    expect(messages.map((m) => m.type)).toEqual(['output']);
    // Read back from the log, the chunk still says when it arrived.
    expect(messages[0]).toMatchObject({ times: [[0, at]] });
    await store.finish(record.id, {
      status: 'completed',
      exitCode: 0,
      signal: null,
      error: null,
      errorCode: null,
      finishedAt: clock.now(),
      durationMs: 1,
      outputBytes: 6,
      outputLines: 1,
      lastSeq: 1,
      truncated: false,
    });
    await coordination.release(record.id, 'another-instance');
    await tick();
    await watching;
    expect(messages.at(-1)).toMatchObject({ type: 'end', seq: 2, status: 'completed' });
  });

  it('holds each user to their running limit and gives the slot back at the end', async () => {
    built = build();
    const { coordination, service } = built;
    await coordination.acquireSlot('alice', 2, 'elsewhere-1', LEASE_TTL_MS);
    await coordination.acquireSlot('alice', 2, 'elsewhere-2', LEASE_TTL_MS);
    await expect(
      service.execute(alice, { target: 'local', command: 'true', source: 'trpc' }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    await coordination.releaseSlot('alice', 'elsewhere-1');
    const { executionId } = await service.execute(alice, {
      target: 'local',
      command: 'true',
      source: 'trpc',
    });
    for await (const m of service.watch(alice, executionId, {
      after: 0,
      signal: new AbortController().signal,
    })) {
      if (m.type === 'end') expect(m.status).toBe('completed');
    }
    // Back to one held: the finished execution's slot was returned.
    expect(await coordination.acquireSlot('alice', 2, 'next', LEASE_TTL_MS)).toEqual({
      acquired: true,
      running: 1,
    });
  });
});

describe('a long-lived context and its token', () => {
  it('stops answering once the token expires, by the clock the server runs on', async () => {
    built = build();
    const { clock, service, policy } = built;
    const tokens = await TokenService.create({
      keys: [await generateSigningKey()],
      ttl: '1h',
      clock,
    });
    const auth = new AuthService(
      [
        {
          username: 'alice',
          passwordHash: await hashPassword('alice-password'),
          roles: ['operator'],
        },
      ],
      {
        operator: {
          commands: ['*'],
          targets: ['*'],
          viewAll: false,
          cancelAll: false,
          audit: false,
          manageUsers: false,
        },
      },
      tokens,
      {
        throttle: new LoginThrottle({
          freeFailuresPerAccount: 5,
          freeFailuresPerAddress: 30,
          windowMs: 3_600_000,
          maxDelayMs: 900_000,
        }),
        sessions: new SessionService(new MemorySessionStore(), new InProcessSessionEvents(), {
          tokenTtlMs: 3_600_000,
          maxSessionAgeMs: 12 * 3_600_000,
          clock,
        }),
      },
    );
    const runs = new RunService({
      store: new MemoryRunStore(),
      executions: service,
      log: built.store,
      coordination: built.coordination,
      policy,
      targets: [],
      config: runsConfigSchema.parse({}),
      limits: {
        maxConcurrentPerUser: 2,
        timeoutMs: 60_000,
        maxOutputBytes: 1 << 20,
        maxInputLength: 4096,
      },
      clock,
      logger: silentLogger,
      instanceId: 'this-instance',
      tickMs: 1_000,
      feed: new InProcessRunFeed(),
    });
    const services = {
      auth,
      executions: service,
      runs,
      audit: new AuditAccess(new MemoryAuditStore()),
      accounts: new AccountAdmin(auth, { clock }),
      catalog: new TargetCatalog([], policy),
      storage: new StorageAccess({
        storage: () => Promise.reject(new Error('not used here')),
        retention: retentionConfigSchema.parse({}),
        limits: limitsConfigSchema.parse({}),
        quotas: {},
        searchOutputBytes: 0,
      }),
      clock,
    };
    const { token, expiresAt } = await auth.login('alice', 'alice-password', '127.0.0.1');
    expect(expiresAt).toBe(clock.now() + 3_600_000);
    // Made once, as a WebSocket connection's context is, and used for every call after.
    const caller = createCallerFactory(appRouter)(
      await createContext({ services, token, clientAddress: '127.0.0.1' }),
    );
    expect((await caller.auth.me()).username).toBe('alice');
    clock.advance(3_600_000 - 1);
    expect((await caller.auth.me()).username).toBe('alice');
    clock.advance(1);
    await expect(caller.auth.me()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'The token has expired. Sign in again.',
    });
  });
});
