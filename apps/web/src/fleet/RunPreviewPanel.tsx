import { useMemo } from 'react';
import { errorMessage } from '../api/errors';
import { formatCount } from '../execution/status';
import { useVirtualRows } from '../output/virtual-rows';
import type { PreviewTarget } from '../runs/types';
import type { RunPreviewState } from './use-run-preview';
import { formatLabels } from './target-choice';

const ROW_HEIGHT = 30;

function PreviewRow({ target, top }: { target: PreviewTarget; top: number }) {
  return (
    <div
      className={`preview-row${target.allowed ? '' : ' preview-row--refused'}`}
      role="row"
      style={{ transform: `translateY(${top}px)` }}
      data-target={target.id}
      data-allowed={target.allowed}
    >
      <span className="preview-row__host" role="cell">
        <span className={`preview-row__mark${target.allowed ? '' : ' preview-row__mark--no'}`}>
          {target.allowed ? '✓' : '⊘'}
        </span>
        <span className="preview-row__name">{target.id}</span>
      </span>
      <span className="preview-row__labels" role="cell">
        {formatLabels(target.labels)}
      </span>
      <span className="preview-row__verdict" role="cell">
        {target.allowed ? (
          'allowed'
        ) : (
          <>
            <strong>{target.reason ?? 'Not allowed.'}</strong>
            {target.rule !== null && (
              <>
                {' '}
                <span className="preview-row__rule">rule {target.rule}</span>
              </>
            )}
          </>
        )}
      </span>
    </div>
  );
}

/**
 * Before a run: the targets it would reach and, per target, whether the command typed is allowed
 * there and why not (refused ones first, so they are seen). Virtualised: a selector matching a
 * thousand hosts draws the thirty in view.
 */
export function RunPreviewPanel({
  names,
  command,
  preview,
}: {
  names: string;
  command: string;
  preview: RunPreviewState;
}) {
  const { data, error, stale } = preview;
  const rows = useMemo(
    () =>
      data === undefined
        ? []
        : [...data.targets].sort((a, b) => Number(a.allowed) - Number(b.allowed)),
    [data],
  );
  const { measure, onScroll, rows: visible } = useVirtualRows(rows.length, ROW_HEIGHT);
  const refused = data === undefined ? 0 : data.matched - data.allowed;

  return (
    <section className="preview" aria-labelledby="preview-title" aria-busy={stale}>
      <header className="preview__header">
        <h2 id="preview-title" className="preview__title">
          Run on <code>{names}</code>
        </h2>
        {error !== null ? (
          <p className="preview__problem" role="alert">
            {errorMessage(error)}
          </p>
        ) : data === undefined ? (
          <p className="preview__counts">Finding the targets…</p>
        ) : (
          <p className="preview__counts" data-testid="preview-counts">
            <strong>{formatCount(data.matched)}</strong> matched ·{' '}
            <strong>{formatCount(data.allowed)}</strong> allowed
            {refused > 0 && (
              <>
                {' '}
                · <strong className="preview__refused">{formatCount(refused)}</strong> refused
              </>
            )}
            {command.trim() === ''
              ? ' — type a command to check it on each'
              : ` for ${command.trim()}`}
            {stale && <span className="preview__updating"> · updating…</span>}
          </p>
        )}
      </header>
      <div
        ref={measure}
        onScroll={onScroll}
        className="preview__scroller"
        role="table"
        aria-label="Matched targets"
        aria-rowcount={rows.length}
        tabIndex={0}
      >
        <div className="preview__spacer" style={{ height: visible.height }} role="rowgroup">
          {rows.slice(visible.start, visible.end).map((target, i) => (
            <PreviewRow key={target.id} target={target} top={(visible.start + i) * ROW_HEIGHT} />
          ))}
        </div>
      </div>
    </section>
  );
}
