import { useMemo } from 'react';
import { formatCount } from '../execution/status';
import { HostStateBadge } from './HostStateBadge';
import { lineDiff } from './line-diff';
import type { RunGroup } from './types';

const SIGNS = { same: ' ', removed: '-', added: '+' } as const;

function GroupName({ group, role }: { group: RunGroup; role: string }) {
  return (
    <p className="diff__side">
      <span className="diff__role">{role}</span> <code className="diff__label">{group.label}</code>{' '}
      · {formatCount(group.targets.length)} {group.targets.length === 1 ? 'host' : 'hosts'} ·{' '}
      <HostStateBadge status={group.status} />
      {group.exitCode !== null && <> · exit {group.exitCode}</>}
      {group.errorCode !== null && <> · {group.errorCode}</>}
    </p>
  );
}

/**
 * A group's output against the majority's, line by line: `-` only the majority printed, `+` only
 * this group did. Every host of a group printed the same (the digests are equal), so the two
 * samples are the two outputs, up to the sample size.
 */
export function OutputDiff({
  majority,
  other,
  onClose,
}: {
  majority: RunGroup;
  other: RunGroup;
  onClose: () => void;
}) {
  const diff = useMemo(() => lineDiff(majority.sample, other.sample), [majority, other]);
  const sameOutput = majority.outputSha256 === other.outputSha256;
  return (
    <section className="diff" aria-labelledby="diff-title">
      <header className="diff__header">
        <h3 id="diff-title" className="diff__title">
          Compared with the majority
        </h3>
        <button type="button" className="button button--small" onClick={onClose}>
          Back to results
        </button>
      </header>
      <GroupName group={majority} role="− majority" />
      <GroupName group={other} role="+ this group" />
      {sameOutput ? (
        <p className="diff__note">
          The output is the same; they differ in how they ended
          {majority.exitCode !== other.exitCode &&
            ` (exit ${String(majority.exitCode)} and ${String(other.exitCode)})`}
          .
        </p>
      ) : diff === null ? (
        <p className="diff__note">The outputs are too different to compare line by line.</p>
      ) : (
        <>
          <p className="diff__note" data-testid="diff-counts">
            {formatCount(diff.removed)} {diff.removed === 1 ? 'line' : 'lines'} only in the
            majority, {formatCount(diff.added)} only here
            {(majority.sampleTruncated || other.sampleTruncated) &&
              ' (comparing the start of each: the rest was cut)'}
            .
          </p>
          <pre className="diff__body" aria-label="Line differences">
            {diff.rows.map((row, i) =>
              row.kind === 'skipped' ? (
                <span key={i} className="diff__row diff__row--skipped">
                  {`  ⋯ ${formatCount(row.count)} unchanged ${row.count === 1 ? 'line' : 'lines'}\n`}
                </span>
              ) : (
                <span key={i} className={`diff__row diff__row--${row.kind}`} data-kind={row.kind}>
                  {`${SIGNS[row.kind]} ${row.text}\n`}
                </span>
              ),
            )}
          </pre>
        </>
      )}
    </section>
  );
}
