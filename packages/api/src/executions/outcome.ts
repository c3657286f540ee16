import type { ExecutionError, ExecutionOutcome, ExecutionRecord } from '../domain/execution.js';

/** What is known of an execution's end; whatever is left out did not happen (no output, no exit). */
export interface OutcomeParts {
  readonly status: ExecutionOutcome['status'];
  readonly finishedAt: number;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly error?: ExecutionError | null;
  readonly durationMs?: number;
  readonly outputBytes?: number;
  readonly outputLines?: number | null;
  readonly lastSeq?: number;
  readonly truncated?: boolean;
}

/**
 * An execution's outcome, built in this one place for every way one ends: the runner's end, a
 * start that failed, recovery of an instance's executions, and a fleet run reading an end it did
 * not see happen.
 */
export function executionOutcome(parts: OutcomeParts): ExecutionOutcome {
  return {
    status: parts.status,
    exitCode: parts.exitCode ?? null,
    signal: parts.signal ?? null,
    error: parts.error?.message ?? null,
    errorCode: parts.error?.code ?? null,
    finishedAt: parts.finishedAt,
    durationMs: parts.durationMs ?? 0,
    outputBytes: parts.outputBytes ?? 0,
    outputLines: parts.outputLines === undefined ? 0 : parts.outputLines,
    lastSeq: parts.lastSeq ?? 0,
    truncated: parts.truncated ?? false,
  };
}

/** The outcome a record holds, once it has ended; undefined while it runs. */
export function outcomeOfRecord(
  record: ExecutionRecord,
  now: number,
): ExecutionOutcome | undefined {
  if (record.status === 'running') return undefined;
  return executionOutcome({
    status: record.status,
    finishedAt: record.finishedAt ?? now,
    exitCode: record.exitCode,
    signal: record.signal,
    error: errorOf(record),
    durationMs: record.durationMs ?? 0,
    outputBytes: record.outputBytes,
    outputLines: record.outputLines,
    lastSeq: record.lastSeq,
    truncated: record.truncated,
  });
}

/** An end's error as one value: a code for programs and a message for people, or null. */
export function errorOf(end: Pick<ExecutionOutcome, 'error' | 'errorCode'>): ExecutionError | null {
  return end.errorCode === null && end.error === null
    ? null
    : { code: end.errorCode ?? 'unknown', message: end.error ?? '' };
}
