import { ExecutorError } from './errors.js';
import type { ExecEvent } from './events.js';
import { type ExecuteOptions, runOnTransport } from './run.js';
import type { Target } from './targets.js';
import { LocalTransport } from './transports/local.js';
import { SshTransport } from './transports/ssh/transport.js';
import type { Transport } from './transports/types.js';

function createTransport(target: Target): Transport {
  switch (target.transport) {
    case 'ssh':
      return new SshTransport(target);
    case 'local':
      return new LocalTransport(target);
  }
}

/**
 * Runs argv on configured targets. One transport per target, created up front so that a
 * configuration problem (an unreadable key file) shows at start-up rather than at first use.
 */
export class Executor {
  private readonly transports = new Map<string, Transport>();
  private readonly targets = new Map<string, Target>();

  constructor(targets: readonly Target[]) {
    for (const target of targets) {
      if (this.targets.has(target.id)) {
        throw new ExecutorError('invalid_config', `Target id ${target.id} is defined twice.`);
      }
      this.targets.set(target.id, target);
      this.transports.set(target.id, createTransport(target));
    }
  }

  target(id: string): Target | undefined {
    return this.targets.get(id);
  }

  /** The transport behind a target, for inspection (pool size) in tests and metrics. */
  transport(id: string): Transport | undefined {
    return this.transports.get(id);
  }

  /**
   * Runs argv (already allowed by the policy; argv[0] an absolute path) on a target. The
   * iterable yields output events and ends with one exit event; see {@link runOnTransport}.
   * Throws ExecutorError `unknown_target` synchronously for a target that is not configured.
   */
  execute(
    targetId: string,
    argv: readonly string[],
    options?: ExecuteOptions,
  ): AsyncIterable<ExecEvent> {
    const transport = this.transports.get(targetId);
    if (transport === undefined) {
      throw new ExecutorError('unknown_target', `Unknown target ${targetId}.`);
    }
    return runOnTransport(transport, argv, options);
  }

  /** Closes every connection. Executions still running end as failed or cancelled. */
  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
  }
}
