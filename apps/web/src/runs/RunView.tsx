import { useCallback, useEffect, useMemo, useState } from 'react';
import { useApi } from '../session/api-context';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useNow } from '../shared/clock';
import { navigate } from '../shared/route';
import { useFrameVersion } from '../output/use-frame-version';
import { mayCancel, mayRetry } from '../session/permissions';
import { useSession, useSignedIn } from '../session/session-context';
import { GroupList, groupKey } from './GroupList';
import { HostGrid } from './HostGrid';
import { HostDetail } from './HostDetail';
import { DEFAULT_HOST_SORT, type HostSort } from './host-order';
import { OutputDiff } from './OutputDiff';
import { gridHosts, groupsByTarget, runFacts } from './run-facts';
import { RunHeader } from './RunHeader';
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

interface RunDetailProps {
  /** The host whose output is open, or null. */
  readonly host: string | null;
  readonly hostState: RunHost | undefined;
  readonly groups: readonly RunGroup[];
  readonly hostGroup: RunGroup | undefined;
  /** The group compared with the majority (its key), or null. */
  readonly compare: string | null;
  /** Some hosts have not ended: the groups are not final. */
  readonly unfinished: boolean;
  readonly stopReason: string | null;
  readonly targetLabel: (id: string) => string;
  readonly onEdit: (command: string, target: string) => void;
  readonly onCompare: (group: RunGroup) => void;
  readonly onOpenHost: (target: string) => void;
  readonly onCloseHost: () => void;
  readonly onCloseCompare: () => void;
}

/** Beside the grid: one host's output, a group against the majority, or the groups. */
function RunDetail(props: RunDetailProps) {
  const { host, groups, hostGroup, compare } = props;
  const majority: RunGroup | undefined = groups[0];
  const compared = compare === null ? undefined : groups.find((g) => groupKey(g) === compare);
  if (host !== null) {
    return (
      <HostDetail
        host={props.hostState}
        target={host}
        minority={hostGroup === majority ? undefined : hostGroup}
        stopReason={props.stopReason}
        targetLabel={props.targetLabel}
        onEdit={props.onEdit}
        onCompare={props.onCompare}
        onClose={props.onCloseHost}
      />
    );
  }
  if (majority !== undefined && compared !== undefined) {
    return <OutputDiff majority={majority} other={compared} onClose={props.onCloseCompare} />;
  }
  return (
    <GroupList
      groups={groups}
      unfinished={props.unfinished}
      onCompare={props.onCompare}
      onOpenHost={props.onOpenHost}
    />
  );
}

/**
 * A run's live progress and its record: the progress followed while the view is open and drawn
 * at most every PROGRESS_RENDER_MS; the record (with the groups) refreshed while it runs and
 * once more when it ends; an expired session sends the user to sign in.
 */
function useRunFeed(runId: string) {
  const api = useApi();
  const { expire } = useSession();
  const utils = trpc.useUtils();
  const progress = useMemo(() => new RunProgress(api.followRun(runId)), [api, runId]);
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
  useEffect(() => {
    if (!ended) return;
    void utils.runs.byId.invalidate({ runId });
    void utils.runs.list.invalidate();
  }, [ended, runId, utils]);
  const failureCode = errorCode(progress.error);
  useEffect(() => {
    if (failureCode === 'UNAUTHORIZED') expire();
  }, [failureCode, expire]);
  return { progress, version, record };
}

/**
 * A fleet run: the counts by state and the time taken, every host in a sortable grid (failures
 * first), the hosts grouped by identical results, and one host's live output or a group's
 * output against the majority's. Hosts arrive from `runs.onProgress` into a Map, drawn at most
 * once a frame; the groups come from `runs.byId`.
 */
export function RunView({ runId, host, targetLabel, onEdit }: RunViewProps) {
  const session = useSignedIn();
  const now = useNow();
  const { progress, version, record } = useRunFeed(runId);
  const info = record.data;

  const [sort, setSort] = useState<HostSort>(DEFAULT_HOST_SORT);
  const [filter, setFilter] = useState<HostStatus | null>(null);
  const [compare, setCompare] = useState<string | null>(null);

  // The progress Map is mutated in place; `version` says when it changed.
  const hosts = useMemo(
    () => gridHosts(progress.hosts, info?.hosts ?? [], filter, sort),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- version stands for progress.hosts
    [progress, version, info, sort, filter],
  );
  const groups = useMemo(() => info?.groups ?? [], [info]);
  const groupOf = useMemo(() => groupsByTarget(groups), [groups]);

  const facts = runFacts(progress, info, now);
  const { summary, status, stopReason } = facts;
  const owner =
    info === undefined ? undefined : { username: info.username, running: facts.running };
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

  return (
    <section className="run fleet" aria-labelledby="run-command" data-phase={progress.phase}>
      <RunHeader
        runId={runId}
        info={info}
        facts={facts}
        now={now}
        username={session.user.username}
        mayCancel={mayCancel(session.user, owner)}
        mayRetry={mayRetry(session.user, owner, facts.retryable)}
        onEdit={onEdit}
        onProblem={setProblem}
      />
      <SummaryBar
        summary={summary}
        status={status}
        elapsed={facts.elapsed}
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
        <div className="fleet__detail">
          <RunDetail
            host={host}
            hostState={
              host === null
                ? undefined
                : (progress.hosts.get(host) ?? info?.hosts.find((h) => h.target === host))
            }
            groups={groups}
            hostGroup={host === null ? undefined : groupOf.get(host)}
            compare={compare}
            unfinished={summary !== null && summary.pending + summary.running > 0}
            stopReason={stopReason}
            targetLabel={targetLabel}
            onEdit={onEdit}
            onCompare={compareGroup}
            onOpenHost={openHost}
            onCloseHost={closeHost}
            onCloseCompare={() => setCompare(null)}
          />
        </div>
      </div>
      <span className="visually-hidden" role="status">
        {facts.announcement}
      </span>
    </section>
  );
}
