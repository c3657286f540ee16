import { useEffect, useMemo, useRef } from 'react';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { LINE_TIMES_MODES, type LineTimesMode } from '../output/line-times';
import { useFrameVersion } from '../output/use-frame-version';
import { useApi } from '../session/api-context';
import { mayCancel } from '../session/permissions';
import { useSession, useSignedIn } from '../session/session-context';
import { useNow } from '../shared/clock';
import type { LineRange } from '../shared/line-range';
import { BASE_TITLE, useDocumentTitle } from '../shared/use-document-title';
import { usePreference } from '../shared/use-preference';
import { executionFacts } from './execution-facts';
import { ExecutionFeed } from './execution-feed';
import { ExecutionHeader } from './ExecutionHeader';
import { ExecutionOutput } from './ExecutionOutput';
import { ExecutionStatusBar } from './ExecutionStatusBar';
import { executionSummary, formatDuration } from './status';
import { useCancelExecution, useExecutionActions } from './use-execution-actions';
import { useEndNotification } from './use-end-notification';

interface ExecutionPaneProps {
  readonly executionId: string;
  /** Lines of the output a link points at. */
  readonly lines?: LineRange;
  readonly targetLabel: (id: string) => string;
  /** Puts a command back in the input to edit and run again. */
  readonly onEdit: (command: string, target: string) => void;
}

/** Timestamps per line: off, or as the time of day or since the start (the last form chosen). */
function useLineTimes() {
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
  return {
    lineTimes,
    toggle: () => setLineTimes(lineTimes === 'off' ? lineTimesForm : 'off'),
    setForm: (form: Exclude<LineTimesMode, 'off'>) => {
      setLineTimesForm(form);
      setLineTimes(form);
    },
  };
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
  const now = useNow();

  const feed = useMemo(() => new ExecutionFeed(api.followOutput(executionId)), [api, executionId]);
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
  const facts = executionFacts(info, end, phase, now);
  const { status, running, exitCode, duration } = facts;
  const cancellable = mayCancel(
    session.user,
    info === undefined ? undefined : { username: info.username, running },
  );
  const cancel = useCancelExecution(executionId, cancellable);
  const actions = useExecutionActions(executionId, info?.input);
  const lineTimes = useLineTimes();

  // The Cancel button goes away when the run ends: keep the focus somewhere useful.
  useEffect(() => {
    if (!running && document.activeElement === document.body) {
      document.getElementById('command-input')?.focus();
    }
  }, [running]);

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
      <ExecutionHeader
        info={info}
        facts={facts}
        now={now}
        username={session.user.username}
        targetLabel={targetLabel}
        cancel={{ shown: cancellable, requested: cancel.requested, request: cancel.request }}
        actions={actions}
        lineTimes={lineTimes.lineTimes}
        onToggleLineTimes={lineTimes.toggle}
        onLineTimesForm={lineTimes.setForm}
        onEdit={onEdit}
      />
      <ExecutionOutput
        executionId={executionId}
        info={info}
        facts={facts}
        failure={failure}
        buffer={feed.buffer}
        version={version}
        lineTimes={facts.refused ? 'off' : lineTimes.lineTimes}
        selectedLines={selectedLines}
        actions={actions}
      />
      <ExecutionStatusBar
        facts={facts}
        end={end}
        phase={phase}
        lines={feed.buffer.lineCount}
        notice={actions.notice}
      />
    </section>
  );
}
