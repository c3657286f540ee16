import type { HostStatus, RunStatus, RunSummary } from './types';

export const HOST_STATUS_LABELS: Readonly<Record<HostStatus, string>> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  refused: 'Refused',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export const HOST_STATUS_DESCRIPTIONS: Readonly<Record<HostStatus, string>> = {
  pending: 'Not started yet: waiting for room in the window or for its batch.',
  running: 'The command is running on this host.',
  succeeded: 'The command ran to its end with exit code 0.',
  failed:
    'The command exited with another code, or could not run (connection, host key, time limit).',
  refused: 'The policy did not allow the command on this host; nothing ran.',
  cancelled: 'The command was cancelled while it ran.',
  skipped: 'Never started: the run stopped first (cancelled, or the failure policy).',
};

export const RUN_STATUS_LABELS: Readonly<Record<RunStatus, string>> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  stopped: 'Stopped',
  cancelled: 'Cancelled',
};

/** Hosts a retry runs again (as the server picks them): failed, cancelled and skipped. */
export function retryableCount(summary: RunSummary): number {
  return summary.failed + summary.cancelled + summary.skipped;
}

/** What a run was named on, as typed: its selector, its target ids, or both. */
export function runNames(run: {
  readonly selector: string | null;
  readonly requestedTargets: readonly string[] | null;
}): string {
  return [run.selector, run.requestedTargets?.join(', ') ?? null]
    .filter((part): part is string => part !== null && part !== '')
    .join(' + ');
}
