import { constants } from 'node:os';
import type { ExecutionEnd } from '@ogent/client';
import { EXIT } from './errors.js';

/** 128 + the signal's number, as a shell reports a process killed by it; null if unknown. */
export function signalStatus(signal: string | null): number | null {
  if (signal === null) return null;
  const name = (
    signal.startsWith('SIG') ? signal : `SIG${signal}`
  ) as keyof typeof constants.signals;
  const number = constants.signals[name] as number | undefined;
  return number === undefined ? null : 128 + number;
}

/**
 * The exit status for how an execution ended: the remote command's own exit code when it ran to
 * its end, 128 + N when a signal N killed it, and otherwise what scripts can tell apart (see
 * EXIT and the README).
 */
export function exitStatus(end: ExecutionEnd): number {
  switch (end.status) {
    case 'completed':
      return end.exitCode ?? signalStatus(end.signal) ?? EXIT.failed;
    case 'cancelled':
      return signalStatus(end.signal) ?? EXIT.interrupted;
    case 'refused':
      return EXIT.refused;
    case 'timed_out':
      return EXIT.timedOut;
    case 'failed':
    case 'truncated':
    case 'interrupted':
      return EXIT.failed;
  }
}

/** What to say on stderr about an end that is not the command's own doing; null for nothing. */
export function endMessage(end: ExecutionEnd): string | null {
  const reason = end.error === null ? '' : `: ${end.error.message} (${end.error.code})`;
  switch (end.status) {
    case 'completed':
      return null;
    case 'refused':
      return `refused${reason}`;
    case 'failed':
      return `failed${reason}`;
    case 'cancelled':
      return 'cancelled';
    case 'timed_out':
      return 'timed out: the server stopped the command at its time limit';
    case 'truncated':
      return "stopped: the output went over the server's limit";
    case 'interrupted':
      return 'interrupted: the server stopped while the command ran';
  }
}
