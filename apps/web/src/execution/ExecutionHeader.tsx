import type { ExecutionRecord } from '../api/types.js';
import type { LineTimesMode } from '../output/line-times';
import type { ExecutionFacts } from './execution-facts';
import { StatusBadge } from './StatusBadge';
import { formatWhen } from './status';
import { CommandTitle } from './CommandTitle';
import { Timestamp } from './Timestamp';
import type { useExecutionActions } from './use-execution-actions';

interface ExecutionHeaderProps {
  readonly info: ExecutionRecord | undefined;
  readonly facts: ExecutionFacts;
  readonly now: number;
  /** The signed-in user: someone else's execution says whose it is. */
  readonly username: string;
  readonly targetLabel: (id: string) => string;
  readonly cancel: {
    readonly shown: boolean;
    readonly requested: boolean;
    readonly request: () => void;
  };
  readonly actions: ExecutionActions;
  readonly lineTimes: LineTimesMode;
  /** Timestamps on or off (back in the form last chosen). */
  readonly onToggleLineTimes: () => void;
  readonly onLineTimesForm: (form: Exclude<LineTimesMode, 'off'>) => void;
  readonly onEdit: (command: string, target: string) => void;
}

type ExecutionActions = ReturnType<typeof useExecutionActions>;

/** Downloads the output in `format`, and says so while that download runs. */
function DownloadButton(props: {
  readonly format: Parameters<ExecutionActions['download']>[0];
  readonly actions: ExecutionActions;
  readonly disabled: boolean;
  readonly title?: string;
  readonly children: string;
}) {
  const { format, actions } = props;
  return (
    <button
      type="button"
      className="button"
      onClick={() => actions.download(format)}
      disabled={props.disabled}
      title={props.title}
    >
      {actions.downloading === format ? 'Downloading…' : props.children}
    </button>
  );
}

/** The command, where and when it ran and by whom, and what can be done with it. */
export function ExecutionHeader({
  info,
  facts,
  now,
  username,
  targetLabel,
  cancel,
  actions,
  lineTimes,
  onToggleLineTimes,
  onLineTimesForm,
  onEdit,
}: ExecutionHeaderProps) {
  const { status, exitCode, refused } = facts;
  const cannotDownload = actions.downloading !== null || refused || info === undefined;
  return (
    <header className="run__header">
      <div className="run__title">
        <CommandTitle command={info?.input} />
        {info !== undefined && (
          <p className="run__meta">
            {status !== null && <StatusBadge status={status} exitCode={exitCode} compact />} on{' '}
            <strong>{targetLabel(info.target)}</strong>
            {info.username !== username && <> · by {info.username}</>} ·{' '}
            <Timestamp at={info.createdAt}>{formatWhen(info.createdAt, now)}</Timestamp>
          </p>
        )}
      </div>
      <div className="run__actions">
        {cancel.shown && (
          <button
            type="button"
            className="button button--danger"
            onClick={cancel.request}
            disabled={cancel.requested}
            aria-keyshortcuts="Control+C"
          >
            {cancel.requested ? 'Cancelling…' : 'Cancel'} <kbd>Ctrl+C</kbd>
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={actions.copyCommand}
          disabled={info === undefined}
        >
          Copy command
        </button>
        <DownloadButton format="text" actions={actions} disabled={cannotDownload}>
          Download output
        </DownloadButton>
        <DownloadButton
          format="cast"
          actions={actions}
          disabled={cannotDownload}
          title="An asciicast file: asciinema play replays it with its timing"
        >
          Download recording
        </DownloadButton>
        <button
          type="button"
          className="button"
          aria-pressed={lineTimes !== 'off'}
          onClick={onToggleLineTimes}
          disabled={refused}
          title="When each line arrived"
        >
          Timestamps
        </button>
        {lineTimes !== 'off' && !refused && (
          <select
            className="run__times-form"
            aria-label="Timestamps as"
            value={lineTimes}
            onChange={(event) =>
              onLineTimesForm(event.target.value === 'elapsed' ? 'elapsed' : 'clock')
            }
          >
            <option value="clock">time of day</option>
            <option value="elapsed">since start</option>
          </select>
        )}
        <button
          type="button"
          className="button"
          onClick={() => info !== undefined && onEdit(info.input, info.target)}
          disabled={info === undefined}
        >
          Edit &amp; rerun
        </button>
      </div>
    </header>
  );
}
