import { HOST_STATUS_DESCRIPTIONS, HOST_STATUS_LABELS } from './host-status';
import type { HostStatus } from './types';

const ICONS: Readonly<Record<HostStatus, string>> = {
  pending: '○',
  // Not a spinner: fifty spinning in a grid would be fifty animated layers to composite.
  running: '▸',
  succeeded: '✓',
  failed: '✕',
  refused: '⊘',
  cancelled: '■',
  skipped: '↷',
};

/** A host's state in words, with a colour and a shape so it does not rely on colour alone. */
export function HostStateBadge({ status }: { status: HostStatus }) {
  return (
    <span
      className={`host-state host-state--${status}`}
      title={HOST_STATUS_DESCRIPTIONS[status]}
      data-status={status}
    >
      <span className="host-state__icon" aria-hidden="true">
        {ICONS[status]}
      </span>
      {HOST_STATUS_LABELS[status]}
    </span>
  );
}
