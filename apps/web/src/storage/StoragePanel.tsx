import type { ReactNode } from 'react';
import { errorCode, errorMessage } from '../api/errors';
import { trpc } from '../api/trpc';
import { useNow } from '../shared/clock';
import { routeHref } from '../shared/route';
import { formatBytes, formatCount, formatFull, formatWhen } from '../execution/status';

/** `30d` as people say it; `off` as what it means. */
function kept(rule: string): string {
  if (rule === 'off') return 'kept until deleted by hand';
  const match = /^(\d+)\s?(s|sec|m|min|h|hr|d)$/.exec(rule);
  if (match === null) return rule;
  const n = Number(match[1]);
  const unit = match[2]?.startsWith('d')
    ? 'day'
    : match[2]?.startsWith('h')
      ? 'hour'
      : match[2]?.startsWith('m')
        ? 'minute'
        : 'second';
  return `${formatCount(n)} ${unit}${n === 1 ? '' : 's'}`;
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="storage__fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * Disk use for admins (roles with `viewAll` or `audit`): stored output and records, what the
 * next pruning pass will free, and the retention rules and caps behind it.
 */
export function StoragePanel() {
  const now = useNow();
  const overview = trpc.storage.overview.useQuery(undefined, { refetchInterval: 10_000 });
  const data = overview.data;
  return (
    <section className="storage" aria-labelledby="storage-title">
      <header className="storage__head">
        <h2 id="storage-title" className="storage__title">
          Storage
        </h2>
        <a className="button button--quiet" href={routeHref({ name: 'console' })}>
          Back to the console
        </a>
      </header>
      {overview.isError ? (
        <p role="alert" className="notice notice--error">
          {errorCode(overview.error) === 'FORBIDDEN'
            ? 'Storage figures are for administrators (a role with viewAll or audit).'
            : errorMessage(overview.error)}
        </p>
      ) : data === undefined ? (
        <p className="storage__loading">Loading…</p>
      ) : (
        <>
          <dl className="storage__facts" aria-label="Now">
            <Fact term="Stored output">
              <span data-testid="storage-output">{formatBytes(data.outputBytes)}</span>
              {data.maxOutputBytes !== null && (
                <>
                  {' '}
                  of {formatBytes(data.maxOutputBytes)}
                  <meter
                    className="storage__meter"
                    min={0}
                    max={data.maxOutputBytes}
                    value={data.outputBytes}
                    aria-label="Stored output against the cap"
                  />
                </>
              )}
            </Fact>
            <Fact term="Execution records">
              <span data-testid="storage-records">{formatCount(data.executions)}</span>
            </Fact>
            <Fact term="Next pruning pass">
              {data.nextPruneAt === null ? (
                'not scheduled'
              ) : (
                <time
                  dateTime={new Date(data.nextPruneAt).toISOString()}
                  title={formatFull(data.nextPruneAt)}
                >
                  {formatWhen(data.nextPruneAt, now)}
                </time>
              )}
            </Fact>
            <Fact term="It will free">
              <span data-testid="storage-frees">{formatBytes(data.nextPruneFrees)}</span> of output
            </Fact>
          </dl>
          <h3 className="storage__subtitle">Rules</h3>
          <dl className="storage__facts" aria-label="Rules">
            <Fact term="Output">{kept(data.retention.output)} after the command ends</Fact>
            <Fact term="Records">{kept(data.retention.records)} after the command ends</Fact>
            <Fact term="Pruning runs every">{kept(data.retention.every)}</Fact>
            <Fact term="Cap on stored output">
              {data.maxOutputBytes === null
                ? 'none'
                : `${formatBytes(data.maxOutputBytes)}: beyond it the oldest output goes`}
            </Fact>
            <Fact term="Output per execution">
              at most {formatBytes(data.maxOutputBytesPerExecution)}
            </Fact>
            <Fact term="Output per user per day">
              {data.outputBytesPerDayPerUser === null
                ? 'no quota'
                : formatBytes(data.outputBytesPerDayPerUser)}
            </Fact>
            <Fact term="Searchable output">
              {data.searchOutputBytes === 0
                ? 'none (output search is off)'
                : `the first ${formatBytes(data.searchOutputBytes)} of each`}
            </Fact>
          </dl>
          <p className="storage__note">
            Retention never touches a running command, and the audit trail is never pruned.
          </p>
        </>
      )}
    </section>
  );
}
