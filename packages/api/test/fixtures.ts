import type { MemoryExecutionStore } from '../src/single-node/memory-store.js';
import type { AuthUser } from '../src/domain/user.js';
import { ExecutionService, type ExecutionServiceDeps } from '../src/executions/service.js';
import { silentLogger } from '../src/logger.js';
import { InProcessControl } from '../src/single-node/control.js';
import { InProcessLiveBus } from '../src/single-node/live-bus.js';

/** An operator who sees and cancels only her own executions; her token never expires. */
export const alice: AuthUser = {
  username: 'alice',
  roles: ['operator'],
  viewAll: false,
  cancelAll: false,
  expiresAt: Number.MAX_SAFE_INTEGER,
};

/** Limits a test reaches in a few steps: two executions at once per user, 1 MiB of output. */
export const testLimits = {
  maxConcurrentPerUser: 2,
  timeoutMs: 60_000,
  maxOutputBytes: 1 << 20,
  maxInputLength: 4096,
};

/**
 * The execution service on the single node's in-process parts, one memory store holding both the
 * records and the output log, with {@link testLimits}; the test keeps the parts it drives.
 */
export function singleNodeExecutions(
  parts: Pick<ExecutionServiceDeps, 'executor' | 'policy' | 'coordination' | 'clock'> & {
    readonly store: MemoryExecutionStore;
  },
): ExecutionService {
  return new ExecutionService({
    executor: parts.executor,
    policy: parts.policy,
    records: parts.store,
    log: parts.store,
    bus: new InProcessLiveBus(),
    control: new InProcessControl(),
    coordination: parts.coordination,
    limits: testLimits,
    logger: silentLogger,
    clock: parts.clock,
    instanceId: 'this-instance',
  });
}
