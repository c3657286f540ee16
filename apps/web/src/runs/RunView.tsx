import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { useApi } from '../session/api-context';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useNow } from '../shared/clock';
import { navigate } from '../shared/route';
import { ExecutionPane } from '../execution/ExecutionPane';
import { formatCount, formatFull, formatWhen } from '../execution/status';
import { useFrameVersion } from '../output/use-frame-version';
import { mayCancel } from '../session/permissions';
import { useSession, useSignedIn } from '../session/session-context';
import { GroupList, groupKey } from './GroupList';
import { HostGrid } from './HostGrid';
import { HostStateBadge } from './HostStateBadge';
import { DEFAULT_HOST_SORT, type HostSort, compareHosts } from './host-order';
import { RUN_STATUS_LABELS, retryableCount, runNames } from './host-status';
import { OutputDiff } from './OutputDiff';
import { RunProgress } from './run-progress';
import { SummaryBar } from './SummaryBar';
import type { HostStatus, RunGroup, RunHost } from './types';

/**
 * While a run goes on, its groups (which only the server computes) are fetched this often: the
 * answer holds every host and a sample per group, so not on every change.
 */
const GROUPS_REFRESH_MS = 10_000;
/**
 * The grid and the counts are drawn at most this often while hosts report: five times a second
 * looks live, and leaves the main thread free between (every frame of a thousand hosts changing
 * costs style, layout and paint, which on a busy machine made tasks of hundreds of ms).
 */
const PROGRESS_RENDER_MS = 200;

interface RunViewProps {
  readonly runId: string;
  /** The host whose output is open, or null. */
  readonly host: string | null;
  readonly targetLabel: (id: string) => string;
  readonly onEdit: (command: string, target: string) => void;
}

interface HostDetailProps {
  readonly host: RunHost | undefined;
  readonly target: string;
  /** The host's group, unless it is the majority's (or the host has not ended). */
  readonly minority: RunGroup | undefined;
  readonly stopReason: string | null;
  readonly targetLabel: (id: string) => string;
  readonly onEdit: (command: string, target: string) => void;
  readonly onCompare: (group: RunGroup) => void;
  readonly onClose: () => void;
}

/** One host of the run: its live output (the ordinary execution pane) or why it has none. */
const HostDetail = memo(function HostDetail({
  host,
  target,
  minority,
  stopReason,
  targetLabel,
  onEdit,
  onCompare,
  onClose,
}: HostDetailProps) {
  let body;
  if (host === undefined) {
    body = <p className="host-detail__note">This run has no host {target}.</p>;
  } else if (host.executionId !== null) {
    body = (
      <ExecutionPane
        key={host.executionId}
        executionId={host.executionId}
        targetLabel={targetLabel}
        onEdit={onEdit}
      />
    );
  } else {
    body = (
      <p className="host-detail__note">
        {host.status === 'pending'
          ? 'Not started yet: it starts when the window has room for it.'
          : host.status === 'skipped'
            ? `Skipped: ${stopReason ?? 'the run stopped before it started.'}`
            : (host.error?.message ?? 'It has no output.')}
      </p>
    );
  }
  return (
    <section className="host-detail" aria-label={`Host ${target}`}>
      <header className="host-detail__header">
        <h3 className="host-detail__title">{targetLabel(target)}</h3>
        {host !== undefined && <HostStateBadge status={host.status} />}
        <span className="host-detail__actions">
          {minority !== undefined && (
            <button
              type="button"
              className="button button--small"
              onClick={() => onCompare(minority)}
            >
              Compare with majority
            </button>
          )}
          <button type="button" className="button button--small" onClick={onClose}>
            Back to results
          </button>
        </span>
      </header>
      {body}
    </section>
  );
});

/**
 * A fleet run: the counts by state and the time taken, every host in a sortable grid (failures
 * first), the hosts grouped by identical results, and one host's live output or a group's
 * output against the majority's. Hosts arrive from `runs.onProgress` into a Map, drawn at most
 * once a frame; the groups come from `runs.byId`.
 */
export function RunView({ runId, host, targetLabel, onEdit }: RunViewProps) {
  const api = useApi();
  const session = useSignedIn();
  const { expire } = useSession();
  const utils = trpc.useUtils();
  const now = useNow();

  const progress = useMemo(() => new RunProgress(api.trpc, runId), [api, runId]);
  useEffect(() => {
    progress.start();
    return () => progress.stop();
  }, [progress]);
  const version = useFrameVersion(progress, PROGRESS_RENDER_MS);
  const ended = progress.phase === 'ended';

  const record = trpc.runs.byId.useQuery(
    { runId },
    {
      refetchInterval: (q) => (q.state.data?.status === 'running' ? GROUPS_REFRESH_MS : false),
      // A thousand hosts compared field by field on every refresh cost more than they save.
      structuralSharing: false,
    },
  );
  const info = record.data;
  useEffect(() => {
    if (!ended) return;
    void utils.runs.byId.invalidate({ runId });
    void utils.runs.list.invalidate();
  }, [ended, runId, utils]);
  const failureCode = errorCode(progress.error);
  useEffect(() => {
    if (failureCode === 'UNAUTHORIZED') expire();
  }, [failureCode, expire]);

  const [sort, setSort] = useState<HostSort>(DEFAULT_HOST_SORT);
  const [filter, setFilter] = useState<HostStatus | null>(null);
  const [compare, setCompare] = useState<string | null>(null);

  // The progress Map is mutated in place; `version` says when it changed.
  const hosts = useMemo(() => {
    const all = progress.hosts.size > 0 ? [...progress.hosts.values()] : [...(info?.hosts ?? [])];
    return (filter === null ? all : all.filter((h) => h.status === filter)).sort(
      compareHosts(sort),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- version stands for progress.hosts
  }, [progress, version, info, sort, filter]);

  const groups = useMemo(() => info?.groups ?? [], [info]);
  const groupOf = useMemo(() => {
    const map = new Map<string, RunGroup>();
    for (const group of groups) for (const target of group.targets) map.set(target, group);
    return map;
  }, [groups]);

  const summary = progress.summary ?? info?.summary ?? null;
  const status = progress.status ?? info?.status ?? null;
  const running = status === 'running';
  const stopReason = progress.stopReason ?? info?.stopReason ?? null;
  const elapsed =
    info === undefined ? null : Math.max(0, (info.finishedAt ?? now) - info.createdAt);

  const cancel = trpc.runs.cancel.useMutation();
  const retry = trpc.runs.retry.useMutation();
  const cancellable = mayCancel(
    session.user,
    info === undefined ? undefined : { username: info.username, running },
  );
  const retryable = summary === null ? 0 : retryableCount(summary);
  const mayRetry =
    !running && info !== undefined && info.username === session.user.username && retryable > 0;
  const [problem, setProblem] = useState<string | null>(null);

  const openHost = useCallback(
    (target: string) => {
      setCompare(null);
      navigate({ name: 'run', id: runId, host: target });
    },
    [runId],
  );
  const closeHost = useCallback(() => {
    setCompare(null);
    navigate({ name: 'run', id: runId, host: null });
  }, [runId]);
  const compareGroup = useCallback(
    (group: RunGroup) => {
      setCompare(groupKey(group));
      navigate({ name: 'run', id: runId, host: null });
    },
    [runId],
  );

  if (record.isError && progress.hosts.size === 0) {
    return (
      <section className="run run--missing" aria-label="Run">
        <p role="alert" className="notice notice--error">
          {errorCode(record.error) === 'NOT_FOUND'
            ? 'This run does not exist, or it is not yours to see.'
            : errorMessage(record.error)}
        </p>
      </section>
    );
  }

  const majority: RunGroup | undefined = groups[0];
  const compared = compare === null ? undefined : groups.find((g) => groupKey(g) === compare);
  const hostGroup = host === null ? undefined : groupOf.get(host);
  let detail;
  if (host !== null) {
    detail = (
      <HostDetail
        host={progress.hosts.get(host) ?? info?.hosts.find((h) => h.target === host)}
        target={host}
        minority={hostGroup === majority ? undefined : hostGroup}
        stopReason={stopReason}
        targetLabel={targetLabel}
        onEdit={onEdit}
        onCompare={compareGroup}
        onClose={closeHost}
      />
    );
  } else if (majority !== undefined && compared !== undefined) {
    detail = <OutputDiff majority={majority} other={compared} onClose={() => setCompare(null)} />;
  } else {
    detail = (
      <GroupList
        groups={groups}
        unfinished={summary !== null && summary.pending + summary.running > 0}
        onCompare={compareGroup}
        onOpenHost={openHost}
      />
    );
  }

  return (
    <section className="run fleet" aria-labelledby="run-command" data-phase={progress.phase}>
      <header className="run__header">
        <div className="run__title">
          <h2 id="run-command" className="run__command">
            <span className="run__prompt" aria-hidden="true">
              $
            </span>
            <span className="visually-hidden">Command: </span>
            <code>{info?.command ?? '…'}</code>
          </h2>
          {info !== undefined && (
            <p className="run__meta">
              on <strong>{runNames(info)}</strong> · {formatCount(info.total)}{' '}
              {info.total === 1 ? 'host' : 'hosts'}, {info.options.concurrency} at a time
              {info.username !== session.user.username && <> · by {info.username}</>} ·{' '}
              <time
                dateTime={new Date(info.createdAt).toISOString()}
                title={formatFull(info.createdAt)}
              >
                {formatWhen(info.createdAt, now)}
              </time>
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
          {cancellable && (
            <button
              type="button"
              className="button button--danger"
              disabled={cancel.isPending}
              onClick={() =>
                cancel.mutate({ runId }, { onError: (error) => setProblem(errorMessage(error)) })
              }
            >
              {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {!running && info !== undefined && info.username === session.user.username && (
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
                    onError: (error) => setProblem(errorMessage(error)),
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
      <SummaryBar
        summary={summary}
        status={status}
        elapsed={elapsed}
        filter={filter}
        onFilter={setFilter}
        reconnecting={progress.phase === 'reconnecting'}
      />
      {(problem !== null || stopReason !== null || progress.phase === 'failed') && (
        <p className="fleet__notice" role="alert">
          {problem ??
            (progress.phase === 'failed'
              ? `Progress could not be loaded: ${errorMessage(progress.error)}`
              : stopReason)}
        </p>
      )}
      <div className="fleet__body">
        <HostGrid
          runId={runId}
          hosts={hosts}
          sort={sort}
          onSort={setSort}
          selected={host}
          targetLabel={targetLabel}
          now={now}
        />
        <div className="fleet__detail">{detail}</div>
      </div>
      <span className="visually-hidden" role="status">
        {status !== null && status !== 'running' && summary !== null
          ? `Run ${RUN_STATUS_LABELS[status].toLowerCase()}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.refused} refused.`
          : ''}
      </span>
    </section>
  );
}
