import { memo } from 'react';
import { ExecutionPane } from '../execution/ExecutionPane';
import { CompareButton } from './CompareButton';
import { HostStateBadge } from './HostStateBadge';
import type { RunGroup, RunHost } from './types';

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
export const HostDetail = memo(function HostDetail({
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
          {minority !== undefined && <CompareButton onCompare={() => onCompare(minority)} />}
          <button type="button" className="button button--small" onClick={onClose}>
            Back to results
          </button>
        </span>
      </header>
      {body}
    </section>
  );
});
