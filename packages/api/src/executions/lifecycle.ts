import type { Logger } from '../logger.js';
import type { AdmittedExecution } from './admission.js';
import type { ExecutionOutcome } from '../domain/execution.js';

/**
 * What happens to an execution on the instance that runs it. `started`: it runs, watchers can
 * follow it. `ended`: its record says how it ended, its output is stored; `outputLines` and
 * `outputSha256` (see {@link OutputDigest}) were counted as the output streamed, so nobody
 * re-reads the output for them.
 */
export type ExecutionLifecycleEvent =
  | { readonly type: 'started'; readonly execution: AdmittedExecution; readonly at: number }
  | {
      readonly type: 'ended';
      readonly execution: AdmittedExecution;
      readonly outcome: ExecutionOutcome;
      readonly outputLines: number;
      readonly outputSha256: string;
    };

export type ExecutionLifecycleListener = (event: ExecutionLifecycleEvent) => void;

/**
 * Executions' lifecycle, published to any number of listeners (fleet runs, and whatever else
 * wants to know: audit, metrics, webhooks). A listener that throws is logged and disturbs
 * neither the execution nor the other listeners.
 */
export class ExecutionLifecycle {
  private readonly listeners = new Set<ExecutionLifecycleListener>();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; returns how to remove it. */
  subscribe(listener: ExecutionLifecycleListener): () => void {
    // Wrapped, so that one function subscribed twice is two listeners.
    const entry: ExecutionLifecycleListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  publish(event: ExecutionLifecycleEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(
          { err: error, executionId: event.execution.id, event: event.type },
          'an execution lifecycle listener failed',
        );
      }
    }
  }
}
