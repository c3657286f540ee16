import type { ExecutionState } from '../api/types.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../session/api-context';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { copyText } from '../shared/clipboard';
import { useNow } from '../shared/clock';
import { BASE_TITLE, useDocumentTitle } from '../shared/use-document-title';
import { usePreference } from '../shared/use-preference';
import { navigate, routeHref } from '../shared/route';
import type { LineRange } from '../shared/line-range';
import { LINE_TIMES_MODES, type LineTimesMode } from '../output/line-times';
import { OutputView } from '../output/OutputView';
import { plainLines } from '../output/sgr';
import { useFrameVersion } from '../output/use-frame-version';
import { mayCancel } from '../session/permissions';
import { useSession, useSignedIn } from '../session/session-context';
import { SessionExpiredError, downloadOutput, fetchOutputText } from './download';
import { ExecutionFeed } from './execution-feed';
import { StatusBadge } from './StatusBadge';
import {
  STATUS_LABELS,
  executionSummary,
  formatBytes,
  formatCount,
  formatDate,
  formatDuration,
  formatFull,
  formatWhen,
} from './status';
import { useEndNotification } from './use-end-notification';

interface ExecutionPaneProps {
  readonly executionId: string;
  /** Lines of the output a link points at. */
  readonly lines?: LineRange;
  readonly targetLabel: (id: string) => string;
  /** Puts a command back in the input to edit and run again. */
  readonly onEdit: (command: string, target: string) => void;
}

/** Ctrl+C cancels, unless text is selected (then it copies, as everywhere else). */
function isCancelKey(event: KeyboardEvent): boolean {
  if (!event.ctrlKey || event.metaKey || event.altKey || event.key.toLowerCase() !== 'c') {
    return false;
  }
  const active = document.activeElement;
  if (
    (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) &&
    active.selectionStart !== active.selectionEnd
  ) {
    return false;
  }
  const selection = document.getSelection();
  return selection === null || selection.isCollapsed || selection.toString() === '';
}

/**
 * One execution: what ran where, its output (live while it runs, replayed from the store after),
 * and how it ended. Opening it again after a reload reattaches to a run still going.
 */
export function ExecutionPane({
  executionId,
  lines: selectedLines,
  targetLabel,
  onEdit,
}: ExecutionPaneProps) {
  const api = useApi();
  const session = useSignedIn();
  const { expire } = useSession();
  const utils = trpc.useUtils();
  const record = trpc.exec.byId.useQuery({ executionId });
  const { mutate: cancelExecution } = trpc.exec.cancel.useMutation();
  const now = useNow();

  const feed = useMemo(() => new ExecutionFeed(api.trpc, executionId), [api, executionId]);
  useEffect(() => {
    feed.start();
    return () => feed.stop();
  }, [feed]);
  const version = useFrameVersion(feed);

  const end = feed.buffer.end;
  const phase = feed.phase;
  const failure = phase === 'failed' ? feed.error : null;
  const failureCode = errorCode(failure);

  const ended = end !== null;
  useEffect(() => {
    if (!ended) return;
    void utils.exec.byId.invalidate({ executionId });
    void utils.exec.list.invalidate();
  }, [ended, executionId, utils]);
  useEffect(() => {
    if (failureCode === 'UNAUTHORIZED') expire();
  }, [failureCode, expire]);

  const info = record.data;
  const status: ExecutionState | null =
    end?.status ??
    (info === undefined ? null : info.status === 'running' ? 'running' : info.status);
  const running = status === 'running';
  const cancellable = mayCancel(
    session.user,
    info === undefined ? undefined : { username: info.username, running },
  );

  // The Cancel button goes away when the run ends: keep the focus somewhere useful.
  useEffect(() => {
    if (!running && document.activeElement === document.body) {
      document.getElementById('command-input')?.focus();
    }
  }, [running]);

  const [cancelRequested, setCancelRequested] = useState(false);
  const requestCancel = (): void => {
    if (!cancellable || cancelRequested) return;
    setCancelRequested(true);
    cancelExecution(
      { executionId },
      { onSettled: (result) => setCancelRequested(result?.cancelled === true) },
    );
  };

  useEffect(() => {
    if (!cancellable) return;
    const onKey = (event: KeyboardEvent): void => {
      if (!isCancelKey(event)) return;
      event.preventDefault();
      setCancelRequested(true);
      cancelExecution(
        { executionId },
        { onSettled: (result) => setCancelRequested(result?.cancelled === true) },
      );
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [cancellable, cancelExecution, executionId]);

  const [notice, setNotice] = useState<string | null>(null);
  const flash = (text: string): void => {
    setNotice(text);
    setTimeout(() => setNotice((current) => (current === text ? null : current)), 2500);
  };
  const copyCommand = (): void => {
    if (info === undefined) return;
    copyText(info.input).then(
      () => flash('Command copied.'),
      (error: unknown) => flash(errorMessage(error)),
    );
  };
  const [downloading, setDownloading] = useState<'text' | 'cast' | null>(null);
  const download = (format: 'text' | 'cast'): void => {
    setDownloading(format);
    downloadOutput(session.token, executionId, format).then(
      (name) => {
        setDownloading(null);
        flash(`Saved ${name}.`);
      },
      (error: unknown) => {
        setDownloading(null);
        if (error instanceof SessionExpiredError) expire();
        else flash(errorMessage(error));
      },
    );
  };
  // The whole output from the server, not the rows the view holds or draws.
  const [copying, setCopying] = useState(false);
  const copyOutput = (): void => {
    setCopying(true);
    fetchOutputText(session.token, executionId)
      .then((text) => copyText(plainLines(text)))
      .then(
        () => {
          setCopying(false);
          flash('Output copied.');
        },
        (error: unknown) => {
          setCopying(false);
          if (error instanceof SessionExpiredError) expire();
          else flash(errorMessage(error));
        },
      );
  };
  const [lineTimes, setLineTimes] = usePreference<LineTimesMode>(
    'lineTimes',
    LINE_TIMES_MODES,
    'off',
  );
  // The form the toggle turns them back on in: the last one chosen.
  const [lineTimesForm, setLineTimesForm] = usePreference<Exclude<LineTimesMode, 'off'>>(
    'lineTimesForm',
    ['clock', 'elapsed'],
    'clock',
  );

  const exitCode = end?.exitCode ?? info?.exitCode ?? null;
  const signal = end?.signal ?? info?.signal ?? null;
  const duration = end?.execTime ?? (running ? null : (info?.durationMs ?? null));
  const elapsed = running && info !== undefined ? Math.max(0, now - info.createdAt) : null;
  const problem = end?.error?.message ?? info?.error ?? null;
  const lines = feed.buffer.lineCount;
  const refused = status === 'refused';
  const replaying = info !== undefined && info.status !== 'running' && !ended && phase !== 'failed';

  const summary = info === undefined ? null : executionSummary(status, exitCode, info.input);
  useDocumentTitle(summary === null ? null : `${summary} — ${BASE_TITLE}`);
  useEndNotification({
    executionId,
    status,
    durationMs: duration,
    title: summary ?? '',
    body:
      info === undefined
        ? ''
        : `on ${targetLabel(info.target)}${duration === null ? '' : ` · ${formatDuration(duration)}`}`,
  });

  // On a screen too short for the whole console (a phone held sideways) the page scrolls: bring
  // the output into view when an execution opens, rather than leave the reader at the prompt.
  const sectionRef = useRef<HTMLElement>(null);
  useEffect(() => {
    sectionRef.current?.querySelector('.terminal')?.scrollIntoView({ block: 'nearest' });
  }, []);

  if (record.isError) {
    return (
      <section className="run run--missing" aria-label="Execution">
        <p role="alert" className="notice notice--error">
          {errorCode(record.error) === 'NOT_FOUND'
            ? 'This execution does not exist, or it is not yours to see.'
            : errorMessage(record.error)}
        </p>
      </section>
    );
  }

  return (
    <section ref={sectionRef} className="run" aria-labelledby="run-command" data-phase={phase}>
      <header className="run__header">
        <div className="run__title">
          <h2 id="run-command" className="run__command">
            <span className="run__prompt" aria-hidden="true">
              $
            </span>
            <span className="visually-hidden">Command: </span>
            <code>{info?.input ?? '…'}</code>
          </h2>
          {info !== undefined && (
            <p className="run__meta">
              {status !== null && <StatusBadge status={status} exitCode={exitCode} compact />} on{' '}
              <strong>{targetLabel(info.target)}</strong>
              {info.username !== session.user.username && <> · by {info.username}</>} ·{' '}
              <time
                dateTime={new Date(info.createdAt).toISOString()}
                title={formatFull(info.createdAt)}
              >
                {formatWhen(info.createdAt, now)}
              </time>
            </p>
          )}
        </div>
        <div className="run__actions">
          {cancellable && (
            <button
              type="button"
              className="button button--danger"
              onClick={requestCancel}
              disabled={cancelRequested}
              aria-keyshortcuts="Control+C"
            >
              {cancelRequested ? 'Cancelling…' : 'Cancel'} <kbd>Ctrl+C</kbd>
            </button>
          )}
          <button
            type="button"
            className="button"
            onClick={copyCommand}
            disabled={info === undefined}
          >
            Copy command
          </button>
          <button
            type="button"
            className="button"
            onClick={() => download('text')}
            disabled={downloading !== null || refused || info === undefined}
          >
            {downloading === 'text' ? 'Downloading…' : 'Download output'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => download('cast')}
            disabled={downloading !== null || refused || info === undefined}
            title="An asciicast file: asciinema play replays it with its timing"
          >
            {downloading === 'cast' ? 'Downloading…' : 'Download recording'}
          </button>
          <button
            type="button"
            className="button"
            aria-pressed={lineTimes !== 'off'}
            onClick={() => setLineTimes(lineTimes === 'off' ? lineTimesForm : 'off')}
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
              onChange={(event) => {
                const form = event.target.value === 'elapsed' ? 'elapsed' : 'clock';
                setLineTimesForm(form);
                setLineTimes(form);
              }}
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

      {refused ? (
        <div className="run__refused" role="note">
          <p className="refusal__title">Not permitted — nothing ran.</p>
          <p className="refusal__reason">
            {/* Refused on the target (a path outside its prefix): the reason is the end's error. */}
            {info?.reason ?? problem ?? 'The policy refused this command.'}
          </p>
          {info !== undefined && <p className="refusal__rule">Rule: {info.rule}</p>}
        </div>
      ) : failure !== null ? (
        <p role="alert" className="notice notice--error run__failure">
          {failureCode === 'NOT_FOUND'
            ? 'This execution does not exist, or it is not yours to see.'
            : `The output could not be loaded: ${errorMessage(failure)}`}
        </p>
      ) : info?.outputPrunedAt != null ? (
        <div className="run__pruned">
          <p className="notice run__pruned-notice" role="note" data-testid="output-pruned">
            Output deleted by retention on{' '}
            <time
              dateTime={new Date(info.outputPrunedAt).toISOString()}
              title={formatFull(info.outputPrunedAt)}
            >
              {formatDate(info.outputPrunedAt)}
            </time>
            ; the record is kept.
          </p>
        </div>
      ) : (
        <OutputView
          buffer={feed.buffer}
          version={version}
          label={`Output of ${info?.input ?? 'the command'}`}
          lineTimes={refused ? 'off' : lineTimes}
          startedAt={info?.createdAt ?? null}
          selection={selectedLines}
          lineHref={(range) => routeHref({ name: 'execution', id: executionId, lines: range })}
          onSelectLines={(range) => navigate({ name: 'execution', id: executionId, lines: range })}
          onNotice={flash}
          actions={
            <button
              type="button"
              className="button button--small"
              onClick={copyOutput}
              // While it runs, the server's answer would wait for the end.
              disabled={copying || running || info === undefined}
              title={running ? 'Available when the command has ended' : 'Copy the whole output'}
            >
              {copying ? 'Copying…' : 'Copy output'}
            </button>
          }
          placeholder={
            ended || replaying
              ? replaying
                ? 'Loading output…'
                : 'No output.'
              : 'Waiting for output…'
          }
        />
      )}

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
        {replaying && <span className="run__fact">loading output…</span>}
        {problem !== null && <span className="run__problem">{problem}</span>}
        <span className="run__notice" role="status">
          {notice}
        </span>
        <span className="visually-hidden" role="status">
          {ended && status !== null
            ? `${STATUS_LABELS[status]}${exitCode === null ? '' : `, exit code ${exitCode}`}`
            : ''}
        </span>
      </footer>
    </section>
  );
}
