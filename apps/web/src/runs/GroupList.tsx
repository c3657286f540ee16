import { memo, useState } from 'react';
import { formatCount } from '../execution/status';
import { CompareButton } from './CompareButton';
import { HostStateBadge } from './HostStateBadge';
import type { RunGroup } from './types';

/** What makes a group: hosts that ended alike (state, exit code, cause of failure, output). */
export function groupKey(group: RunGroup): string {
  return [group.status, group.exitCode, group.errorCode, group.outputSha256].map(String).join('/');
}

/** Groups drawn at first; a run where every host printed something else has a thousand. */
const FIRST_GROUPS = 50;

interface GroupListProps {
  readonly groups: readonly RunGroup[];
  /** Some hosts have not ended yet (they belong to no group). */
  readonly unfinished: boolean;
  readonly onCompare: (group: RunGroup) => void;
  readonly onOpenHost: (target: string) => void;
}

/**
 * Hosts that ended alike (same state, exit code and output), largest group first, each named by
 * its hosts folded as `clush -b` does (`web-[01-12]`) and showing the output they share. Any
 * group but the largest can be compared with it.
 */
export const GroupList = memo(function GroupList({
  groups,
  unfinished,
  onCompare,
  onOpenHost,
}: GroupListProps) {
  const [all, setAll] = useState(false);
  const shown = all ? groups : groups.slice(0, FIRST_GROUPS);
  return (
    <section className="groups" aria-labelledby="groups-title">
      <h3 id="groups-title" className="groups__title">
        Results <span className="groups__count">{formatCount(groups.length)} groups</span>
      </h3>
      {groups.length === 0 && (
        <p className="groups__empty">
          {unfinished ? 'Hosts are grouped by their results as they end.' : 'No results.'}
        </p>
      )}
      <ol className="groups__list">
        {shown.map((group, index) => (
          <li key={groupKey(group)} className="group">
            <div className="group__head">
              <HostStateBadge status={group.status} />
              {group.exitCode !== null && (
                <span
                  className={group.exitCode === 0 ? 'group__exit' : 'group__exit group__exit--bad'}
                >
                  exit {group.exitCode}
                </span>
              )}
              {group.errorCode !== null && (
                <code className="group__exit group__exit--bad">{group.errorCode}</code>
              )}
              <span className="group__size" data-testid="group-size">
                {formatCount(group.targets.length)} {group.targets.length === 1 ? 'host' : 'hosts'}
              </span>
              <span className="group__actions">
                {index > 0 && <CompareButton onCompare={() => onCompare(group)} />}
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => onOpenHost(group.sampleTarget)}
                  title={`Open the output of ${group.sampleTarget}`}
                >
                  Output
                </button>
              </span>
            </div>
            <code className="group__label" data-testid="group-label">
              {group.label}
            </code>
            {group.sample === '' ? (
              <p className="group__no-output">No output.</p>
            ) : (
              <pre className="group__sample">
                {group.sample}
                {group.sampleTruncated && <span className="group__cut">… (cut)</span>}
              </pre>
            )}
          </li>
        ))}
      </ol>
      {shown.length < groups.length && (
        <button type="button" className="button groups__more" onClick={() => setAll(true)}>
          Show {formatCount(groups.length - shown.length)} more groups
        </button>
      )}
    </section>
  );
});
