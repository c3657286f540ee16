import type { FollowPhase } from '@ogent/client';
import type { ExecutionEnd } from '../api/types.js';
import type { ExecutionFacts } from './execution-facts';
import { StatusBadge } from './StatusBadge';
import { formatBytes, formatCount, formatDuration } from './status';

interface ExecutionStatusBarProps {
  readonly facts: ExecutionFacts;
  readonly end: ExecutionEnd | null;
  readonly phase: FollowPhase;
  /** Lines received so far. */
  readonly lines: number;
  /** What the last action said (copied, saved, or why not). */
  readonly notice: string | null;
}

/** How the execution stands or ended: status, exit code, signal, time, lines, connection. */
export function ExecutionStatusBar({ facts, end, phase, lines, notice }: ExecutionStatusBarProps) {
  const { status, exitCode, signal, duration, elapsed, refused, problem } = facts;
  return (
    <footer className="run__status">
      {status !== null && <StatusBadge status={status} exitCode={exitCode} />}
      {exitCode !== null && (
        <span className={exitCode === 0 ? 'run__fact' : 'run__fact run__fact--bad'}>
          exit code <strong data-testid="exit-code">{exitCode}</strong>
        </span>
      )}
      {signal !== null && (
        <span className="run__fact">
          signal <strong>{signal}</strong>
        </span>
      )}
      {duration !== null && !refused && (
        <span className="run__fact" title="How long the command ran">
          {formatDuration(duration)}
        </span>
      )}
      {elapsed !== null && <span className="run__fact">{formatDuration(elapsed)}</span>}
      {!refused && (
        <span className="run__fact" data-testid="line-count">
          {formatCount(lines)} {lines === 1 ? 'line' : 'lines'}
          {end !== null && end.outputBytes > 0 && <> · {formatBytes(end.outputBytes)}</>}
        </span>
      )}
      {phase === 'reconnecting' && (
        <span className="run__connection" role="status">
          Connection lost — reconnecting…
        </span>
      )}
      {facts.replaying && <span className="run__fact">loading output…</span>}
      {problem !== null && <span className="run__problem">{problem}</span>}
      <span className="run__notice" role="status">
        {notice}
      </span>
      <span className="visually-hidden" role="status">
        {facts.announcement}
      </span>
    </footer>
  );
}
