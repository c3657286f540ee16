import type { TargetView } from '../api/types.js';
import { useId, useState } from 'react';
import { useSignedIn } from '../session/session-context';
import type { Route } from '../shared/route';
import { ExecutionHistory } from './ExecutionHistory';
import { RunHistory } from './RunHistory';

interface HistoryPanelProps {
  /** What is open, to mark it in the lists. */
  readonly selected: Route;
  readonly targets: readonly TargetView[] | undefined;
  readonly targetLabel: (id: string) => string;
  /** Runs a past command again on its target (from the prompt, as if typed there). */
  readonly onRerun: (command: string, target: string) => void;
}

/**
 * The history beside the console: single commands, or fleet runs. Opening a run or a command
 * shows it in the main view.
 */
export function HistoryPanel({ selected, targets, targetLabel, onRerun }: HistoryPanelProps) {
  const session = useSignedIn();
  const ids = useId();
  const [tab, setTab] = useState<'commands' | 'runs'>(() =>
    selected.name === 'run' ? 'runs' : 'commands',
  );
  const tabs = [
    { id: 'commands', label: 'Commands' },
    { id: 'runs', label: 'Runs' },
  ] as const;
  return (
    <aside className="history" aria-labelledby={`${ids}-title`}>
      <div className="history__head">
        <h2 id={`${ids}-title`} className="history__title">
          History
        </h2>
        <span className="history__scope">{session.user.viewAll ? 'all users' : 'yours'}</span>
        <div className="history__tabs" role="tablist" aria-label="What to list">
          {tabs.map((t) => (
            <button
              key={t.id}
              id={`${ids}-${t.id}`}
              type="button"
              role="tab"
              className="history__tab"
              aria-selected={tab === t.id}
              aria-controls={`${ids}-panel`}
              // One stop for Tab; the arrow keys move between the tabs.
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
              onKeyDown={(event) => {
                if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
                event.preventDefault();
                const next = tab === 'commands' ? 'runs' : 'commands';
                setTab(next);
                document.getElementById(`${ids}-${next}`)?.focus();
              }}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div
        id={`${ids}-panel`}
        className="history__panel"
        role="tabpanel"
        aria-labelledby={`${ids}-${tab}`}
      >
        {tab === 'commands' ? (
          <ExecutionHistory
            selectedId={selected.name === 'execution' ? selected.id : null}
            targets={targets}
            targetLabel={targetLabel}
            onRerun={onRerun}
          />
        ) : (
          <RunHistory selectedId={selected.name === 'run' ? selected.id : null} />
        )}
      </div>
    </aside>
  );
}
