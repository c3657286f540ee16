import type { ExecutionState } from '../api/types.js';
import { useEffect, useRef } from 'react';
import { NOTIFY_AFTER_MS, notifyEnd } from '../shared/notifications';

interface EndNotice {
  readonly executionId: string;
  readonly status: ExecutionState | null;
  /** How long it ran, once it has ended (null before). */
  readonly durationMs: number | null;
  readonly title: string;
  readonly body: string;
}

/**
 * A desktop notification (when the user turned them on) for a long command that ends while they
 * look elsewhere: seen running in this pane, run for NOTIFY_AFTER_MS or more, and ended while
 * the tab was hidden. An execution opened after it ended never notifies.
 */
export function useEndNotification({ executionId, status, durationMs, title, body }: EndNotice) {
  const seenRunning = useRef(false);
  const notified = useRef(false);
  useEffect(() => {
    if (status === 'running') {
      seenRunning.current = true;
      return;
    }
    if (status === null || durationMs === null || !seenRunning.current || notified.current) return;
    notified.current = true;
    if (durationMs >= NOTIFY_AFTER_MS && document.visibilityState === 'hidden') {
      notifyEnd(title, body, executionId);
    }
  }, [executionId, status, durationMs, title, body]);
}
