import { useCallback, useRef, useState } from 'react';
import { trpc } from '../api/trpc';
import { useRunPreview } from '../fleet/use-run-preview';
import { HistoryPanel } from '../history/HistoryPanel';
import { useSignedIn } from '../session/session-context';
import { useTabState } from '../session/use-tab-state';
import { navigate, routeHref, useRoute } from '../shared/route';
import { SMALL_SCREEN, useMediaQuery } from '../shared/use-media-query';
import { CommandBar, type CommandBarHandle } from './CommandBar';
import { scopeOf } from './command-scope';
import { Header } from './Header';
import { HistoryDrawer } from './HistoryDrawer';
import { MainView } from './MainView';
import { useCommandHistory, useTargetSelection } from './use-console-state';

/**
 * The signed-in screen: the open execution or run and the prompt, with the history beside them.
 */
export function Console() {
  const session = useSignedIn();
  const route = useRoute();
  const utils = trpc.useUtils();
  const targetsQuery = trpc.targets.list.useQuery(undefined, { staleTime: 60_000 });
  const targets = targetsQuery.data;
  const [draft, setDraft] = useTabState('draft');
  const inputRef = useRef<HTMLInputElement>(null);
  const commandBar = useRef<CommandBarHandle>(null);
  const { byId, targetText, setTargetText, choice, targetLabel } = useTargetSelection(targets);

  const preview = useRunPreview(choice, draft);
  const scope = scopeOf(choice, byId, preview);
  const { history, remember } = useCommandHistory(session.user.username);

  const focusInput = useCallback(() => inputRef.current?.focus(), []);

  // On a small screen the history is a drawer. It is open where it was opened: opening something
  // from it (going elsewhere) closes it.
  const smallScreen = useMediaQuery(SMALL_SCREEN);
  const here = routeHref(route);
  const [historyOpenAt, setHistoryOpenAt] = useState<string | null>(null);
  const historyOpen = historyOpenAt === here;
  const historyButton = useRef<HTMLButtonElement>(null);
  const drawerOpen = smallScreen && historyOpen;
  const onEdit = useCallback(
    (command: string, target: string) => {
      setDraft(command);
      setTargetText(target);
      inputRef.current?.focus();
    },
    [setDraft, setTargetText],
  );

  return (
    <div className="app">
      <Header
        onSkipToInput={focusInput}
        historyOpen={smallScreen ? historyOpen : null}
        onOpenHistory={() => setHistoryOpenAt(here)}
        historyButtonRef={historyButton}
        inert={drawerOpen}
      />
      <div className="workspace">
        <main className="main" inert={drawerOpen}>
          <h1 className="visually-hidden">Ogent console</h1>
          <div className="main__view">
            <MainView
              route={route}
              choice={choice}
              byId={byId}
              targetsLoading={targetsQuery.isPending}
              hasTargets={targets !== undefined && targets.length > 0}
              draft={draft}
              preview={preview}
              targetLabel={targetLabel}
              onEdit={onEdit}
              onPick={(command) => {
                setDraft(command);
                inputRef.current?.focus();
              }}
            />
          </div>
          <CommandBar
            targets={targets}
            targetsLoading={targetsQuery.isPending}
            targetText={targetText}
            onTargetTextChange={setTargetText}
            choice={choice}
            scope={scope}
            preview={preview}
            draft={draft}
            onDraftChange={setDraft}
            history={history}
            onSubmitted={remember}
            onStarted={(executionId) => {
              navigate({ name: 'execution', id: executionId });
              void utils.exec.list.invalidate();
            }}
            onRunStarted={(runId) => {
              navigate({ name: 'run', id: runId, host: null });
              void utils.runs.list.invalidate();
            }}
            inputRef={inputRef}
            handle={commandBar}
          />
        </main>
        <HistoryDrawer
          drawer={smallScreen}
          open={historyOpen}
          onClose={() => setHistoryOpenAt(null)}
          opener={historyButton}
        >
          <HistoryPanel
            selected={route}
            targets={targets}
            targetLabel={targetLabel}
            onRerun={(command, target) =>
              commandBar.current?.run(command, target, targetLabel(target))
            }
          />
        </HistoryDrawer>
      </div>
    </div>
  );
}
