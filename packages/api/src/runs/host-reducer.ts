import { EMPTY_OUTPUT_SHA256 } from '../executions/output-digest.js';
import { errorOf } from '../executions/outcome.js';
import type { ExecutionError, ExecutionOutcome } from '../domain/execution.js';
import type { HostChange } from '../ports/runs.js';
import { hostStatusOf } from './plan.js';
import type { RunHost } from '../domain/run.js';

/**
 * What happens to one host of a run:
 * - `claimed`: an instance takes it to start (it counts as running from here);
 * - `started`: its execution was admitted and runs;
 * - `refused`: the policy said no (its refusal is an execution record too);
 * - `failed`: it never got an execution (it could not be started, or the instance that claimed it
 *   died first);
 * - `released`: starting it has to wait (storage away, shutting down): pending again;
 * - `ended`: its execution ended, with the outcome and the output's digest;
 * - `skipped`: the run stopped before it started;
 * - `cancelled`: the run was cancelled between its claim and its execution's start.
 */
export type HostEvent =
  | { readonly type: 'claimed'; readonly instance: string; readonly at: number }
  | { readonly type: 'started'; readonly executionId: string }
  | {
      readonly type: 'refused';
      readonly executionId: string;
      readonly error: ExecutionError;
      readonly at: number;
    }
  | { readonly type: 'failed'; readonly error: ExecutionError; readonly at: number }
  | { readonly type: 'released' }
  | {
      readonly type: 'ended';
      readonly executionId: string;
      readonly outcome: ExecutionOutcome;
      /** Null when the output was not seen as it streamed (its instance died). */
      readonly outputSha256: string | null;
    }
  | { readonly type: 'skipped'; readonly at: number }
  | { readonly type: 'cancelled'; readonly at: number };

/** A host as a run creates it: pending, nothing known yet. */
export function pendingHost(target: string, position: number, version: number): RunHost {
  return {
    target,
    position,
    status: 'pending',
    executionId: null,
    executionStatus: null,
    exitCode: null,
    signal: null,
    execTime: null,
    error: null,
    outputBytes: 0,
    outputSha256: null,
    instance: null,
    startedAt: null,
    finishedAt: null,
    version,
  };
}

/** Whether the host is claimed by an instance but its execution has not been admitted yet. */
const unstarted = (host: RunHost): boolean =>
  host.status === 'running' && host.executionId === null;

/**
 * Every change of a host's state, in one place: the host after `event`. An event that does not
 * apply to the host as it is (an end seen twice, by the runner's listener and a reconciling tick;
 * a claim of a host already taken) returns the very same host, so callers know nothing changed.
 */
export function reduceHost(host: RunHost, event: HostEvent): RunHost {
  switch (event.type) {
    case 'claimed':
      if (host.status !== 'pending') return host;
      return { ...host, status: 'running', instance: event.instance, startedAt: event.at };
    case 'started':
      // A host cancelled meanwhile keeps its execution's id, so that the execution is stopped.
      if (host.executionId !== null) return host;
      if (host.status !== 'running' && host.status !== 'cancelled') return host;
      return { ...host, executionId: event.executionId };
    case 'refused':
      if (host.status !== 'running') return host;
      return {
        ...host,
        status: 'refused',
        executionId: event.executionId,
        error: event.error,
        finishedAt: event.at,
        outputSha256: EMPTY_OUTPUT_SHA256,
      };
    case 'failed':
      if (!unstarted(host)) return host;
      return {
        ...host,
        status: 'failed',
        error: event.error,
        finishedAt: event.at,
        outputSha256: EMPTY_OUTPUT_SHA256,
      };
    case 'released':
      if (!unstarted(host)) return host;
      return { ...host, status: 'pending', instance: null, startedAt: null };
    case 'ended':
      return host.status === 'running' ? endedHost(host, event) : host;
    case 'skipped':
      if (host.status !== 'pending') return host;
      return { ...host, status: 'skipped', finishedAt: event.at };
    case 'cancelled':
      if (!unstarted(host)) return host;
      return { ...host, status: 'cancelled', finishedAt: event.at };
  }
}

/** The outcome-to-host mapping: how a host's ended execution reads in the run. */
function endedHost(host: RunHost, event: Extract<HostEvent, { type: 'ended' }>): RunHost {
  const { outcome } = event;
  return {
    ...host,
    status: hostStatusOf(outcome.status, outcome.exitCode),
    executionId: event.executionId,
    executionStatus: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    execTime: outcome.durationMs,
    error: errorOf(outcome),
    outputBytes: outcome.outputBytes,
    outputSha256: event.outputSha256,
    finishedAt: outcome.finishedAt,
  };
}

/** The host's state as a store change (everything but its identity and progress number). */
export function hostChange(host: RunHost): HostChange {
  return {
    status: host.status,
    executionId: host.executionId,
    executionStatus: host.executionStatus,
    exitCode: host.exitCode,
    signal: host.signal,
    execTime: host.execTime,
    error: host.error,
    outputBytes: host.outputBytes,
    outputSha256: host.outputSha256,
    instance: host.instance,
    startedAt: host.startedAt,
    finishedAt: host.finishedAt,
  };
}
