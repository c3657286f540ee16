import { errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { CommandTitle } from '../execution/CommandTitle';
import { formatCount, formatWhen } from '../execution/status';
import { Timestamp } from '../execution/Timestamp';
import { navigate } from '../shared/route';
import { runNames } from './host-status';
import type { RunFacts } from './run-facts';
import type { RunView } from './types';

interface RunHeaderProps {
  readonly runId: string;
  readonly info: RunView | undefined;
  readonly facts: RunFacts;
  readonly now: number;
  /** The signed-in user: someone else's run says whose it is. */
  readonly username: string;
  /** From session/permissions.ts. */
  readonly mayCancel: boolean;
  readonly mayRetry: boolean;
  readonly onEdit: (command: string, target: string) => void;
  /** Why a cancel or a retry did not go through. */
  readonly onProblem: (problem: string) => void;
}

/** The run's command, where and when it ran and by whom; cancel, retry the failed, rerun. */
export function RunHeader({
  runId,
  info,
  facts,
  now,
  username,
  mayCancel,
  mayRetry,
  onEdit,
  onProblem,
}: RunHeaderProps) {
  const utils = trpc.useUtils();
  const cancel = trpc.runs.cancel.useMutation();
  const retry = trpc.runs.retry.useMutation();
  const onError = (error: unknown): void => onProblem(errorMessage(error));
  const { retryable } = facts;
  return (
    <header className="run__header">
      <div className="run__title">
        <CommandTitle command={info?.command} />
        {info !== undefined && (
          <p className="run__meta">
            on <strong>{runNames(info)}</strong> · {formatCount(info.total)}{' '}
            {info.total === 1 ? 'host' : 'hosts'}, {info.options.concurrency} at a time
            {info.username !== username && <> · by {info.username}</>} ·{' '}
            <Timestamp at={info.createdAt}>{formatWhen(info.createdAt, now)}</Timestamp>
            {info.retryOf !== null && (
              <>
                {' '}
                · retries <a href={`#/runs/${info.retryOf}`}>an earlier run</a>
              </>
            )}
          </p>
        )}
      </div>
      <div className="run__actions">
        {mayCancel && (
          <button
            type="button"
            className="button button--danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ runId }, { onError })}
          >
            {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
          </button>
        )}
        {!facts.running && info !== undefined && info.username === username && (
          <button
            type="button"
            className="button"
            disabled={!mayRetry || retry.isPending}
            title={
              retryable === 0
                ? 'Every host succeeded or was refused: nothing to retry.'
                : 'Run the command again on the hosts that failed, were cancelled or skipped.'
            }
            onClick={() =>
              retry.mutate(
                { runId },
                {
                  onSuccess: ({ runId: next }) => {
                    void utils.runs.list.invalidate();
                    navigate({ name: 'run', id: next, host: null });
                  },
                  onError,
                },
              )
            }
          >
            {retry.isPending ? 'Starting…' : `Retry failed (${formatCount(retryable)})`}
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={info === undefined}
          onClick={() =>
            info !== undefined &&
            // The selector alone when there is one: the field takes one or the other.
            onEdit(info.command, info.selector ?? info.requestedTargets?.join(', ') ?? '')
          }
        >
          Edit &amp; rerun
        </button>
      </div>
    </header>
  );
}
