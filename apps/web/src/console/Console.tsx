import { useCallback, useMemo, useRef, useState } from 'react';
import { trpc } from '../api/trpc';
import { navigate, useRoute } from '../app/route';
import { useTabState } from '../app/use-tab-state';
import { ExecutionPane } from '../execution/ExecutionPane';
import { HistoryPanel } from '../history/HistoryPanel';
import { useSignedIn } from '../session/session-context';
import { CommandBar } from './CommandBar';
import { uniqueCommands } from './command-history';
import { Header } from './Header';
import { Welcome } from './Welcome';

/** How many of the user's past commands Up and Down can reach. */
const HISTORY_DEPTH = 200;

/** The signed-in screen: the open execution and the prompt, with the history beside them. */
export function Console() {
  const session = useSignedIn();
  const route = useRoute();
  const utils = trpc.useUtils();
  const targetsQuery = trpc.targets.list.useQuery(undefined, { staleTime: 60_000 });
  const targets = targetsQuery.data;
  const [draft, setDraft] = useTabState('draft');
  const [chosenTarget, setChosenTarget] = useTabState('target');
  const inputRef = useRef<HTMLInputElement>(null);

  const target = targets?.find((t) => t.id === chosenTarget) ?? targets?.[0];
  const targetLabel = useCallback(
    (id: string) => targets?.find((t) => t.id === id)?.label ?? id,
    [targets],
  );

  // The user's own commands (an admin's list would otherwise hold everyone's).
  const past = trpc.exec.list.useQuery({ limit: HISTORY_DEPTH, username: session.user.username });
  const [sent, setSent] = useState<readonly string[]>([]);
  const history = useMemo(
    () => uniqueCommands([...sent, ...(past.data?.items.map((item) => item.input) ?? [])]),
    [sent, past.data],
  );

  const focusInput = useCallback(() => inputRef.current?.focus(), []);
  const onEdit = useCallback(
    (command: string, targetId: string) => {
      setDraft(command);
      if (targets?.some((t) => t.id === targetId) === true) setChosenTarget(targetId);
      inputRef.current?.focus();
    },
    [setDraft, setChosenTarget, targets],
  );

  return (
    <div className="app">
      <Header onSkipToInput={focusInput} />
      <div className="workspace">
        <main className="main">
          <div className="main__view">
            {route.name === 'execution' ? (
              <ExecutionPane
                key={route.id}
                executionId={route.id}
                targetLabel={targetLabel}
                onEdit={onEdit}
              />
            ) : (
              <Welcome
                target={target}
                loading={targetsQuery.isPending}
                onPick={(command) => {
                  setDraft(command);
                  inputRef.current?.focus();
                }}
              />
            )}
          </div>
          <CommandBar
            targets={targets}
            targetsLoading={targetsQuery.isPending}
            target={target?.id ?? ''}
            onTargetChange={setChosenTarget}
            draft={draft}
            onDraftChange={setDraft}
            history={history}
            onSubmitted={(command) => setSent((list) => [command, ...list])}
            onStarted={(executionId) => {
              navigate({ name: 'execution', id: executionId });
              void utils.exec.list.invalidate();
            }}
            inputRef={inputRef}
          />
        </main>
        <HistoryPanel
          selectedId={route.name === 'execution' ? route.id : null}
          targets={targets}
          targetLabel={targetLabel}
        />
      </div>
    </div>
  );
}
