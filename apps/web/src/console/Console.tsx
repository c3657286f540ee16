import type { CommandHint, TargetView } from '../api/types.js';
import { useCallback, useMemo, useRef, useState } from 'react';
import { trpc } from '../api/trpc';
import { navigate, routeHref, useRoute } from '../shared/route';
import { SMALL_SCREEN, useMediaQuery } from '../shared/use-media-query';
import { targetName } from '../shared/target-name';
import { useTabState } from '../session/use-tab-state';
import { ExecutionPane } from '../execution/ExecutionPane';
import { formatCount } from '../execution/status';
import { RunPreviewPanel } from '../fleet/RunPreviewPanel';
import { type TargetChoice, isFleet, parseTargetChoice } from '../fleet/target-choice';
import { type RunPreviewState, useRunPreview } from '../fleet/use-run-preview';
import { HistoryPanel } from '../history/HistoryPanel';
import { RunView } from '../runs/RunView';
import { StoragePanel } from '../storage/StoragePanel';
import { useSignedIn } from '../session/session-context';
import { CommandBar, type CommandBarHandle, type CommandScope } from './CommandBar';
import { uniqueCommands } from './command-history';
import { Header } from './Header';
import { HistoryDrawer } from './HistoryDrawer';
import { Welcome } from './Welcome';

/** How many of the user's past commands Up and Down can reach. */
const HISTORY_DEPTH = 200;

/** Every command allowed on any of these targets, once each, by name. */
function commandsOf(targets: readonly (TargetView | undefined)[]): CommandHint[] {
  const byName = new Map<string, CommandHint>();
  for (const target of targets) {
    for (const command of target?.commands ?? []) {
      if (!byName.has(command.name)) byName.set(command.name, command);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What hints and completion draw on: one target's commands, or those of a run's targets. */
function scopeOf(
  choice: TargetChoice,
  byId: ReadonlyMap<string, TargetView>,
  preview: RunPreviewState | null,
): CommandScope | undefined {
  switch (choice.kind) {
    case 'none':
    case 'unknown':
      return undefined;
    case 'target': {
      const target = byId.get(choice.id);
      return target === undefined
        ? undefined
        : { label: targetName(target), commands: target.commands };
    }
    case 'targets':
      return {
        label: `${formatCount(choice.ids.length)} targets`,
        commands: commandsOf(choice.ids.map((id) => byId.get(id))),
      };
    case 'selector': {
      const matched = preview?.data?.targets ?? [];
      return {
        label:
          preview?.data === undefined ? choice.selector : `${formatCount(matched.length)} targets`,
        commands: commandsOf(matched.map((t) => byId.get(t.id))),
      };
    }
  }
}

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
  const [storedTarget, setStoredTarget] = useTabState('target');
  // Cleared on purpose: the field stays empty rather than falling back to the first target.
  const [cleared, setCleared] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const commandBar = useRef<CommandBarHandle>(null);

  const byId = useMemo(() => new Map(targets?.map((t) => [t.id, t])), [targets]);
  const targetText = storedTarget === '' && !cleared ? (targets?.[0]?.id ?? '') : storedTarget;
  const setTargetText = useCallback(
    (text: string) => {
      setCleared(text === '');
      setStoredTarget(text);
    },
    [setStoredTarget],
  );
  const choice = useMemo(
    () => parseTargetChoice(targetText, (id) => byId.has(id)),
    [targetText, byId],
  );
  const preview = useRunPreview(choice, draft);
  const scope = scopeOf(choice, byId, preview);
  const targetLabel = useCallback(
    (id: string) => {
      const target = byId.get(id);
      return target === undefined ? id : targetName(target);
    },
    [byId],
  );

  // The user's own commands (an admin's list would otherwise hold everyone's).
  const past = trpc.exec.list.useQuery({
    limit: HISTORY_DEPTH,
    username: session.user.username,
    excludeRuns: true,
  });
  const [sent, setSent] = useState<readonly string[]>([]);
  const history = useMemo(
    () => uniqueCommands([...sent, ...(past.data?.items.map((item) => item.input) ?? [])]),
    [sent, past.data],
  );

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

  let view;
  if (route.name === 'execution') {
    view = (
      <ExecutionPane
        key={route.id}
        executionId={route.id}
        lines={route.lines}
        targetLabel={targetLabel}
        onEdit={onEdit}
      />
    );
  } else if (route.name === 'run') {
    view = (
      <RunView
        key={route.id}
        runId={route.id}
        host={route.host}
        targetLabel={targetLabel}
        onEdit={onEdit}
      />
    );
  } else if (route.name === 'storage') {
    view = <StoragePanel />;
  } else if (isFleet(choice) && preview !== null) {
    view = (
      <RunPreviewPanel
        names={choice.kind === 'selector' ? choice.selector : choice.ids.join(', ')}
        command={draft}
        preview={preview}
      />
    );
  } else {
    view = (
      <Welcome
        target={choice.kind === 'target' ? byId.get(choice.id) : undefined}
        loading={targetsQuery.isPending}
        hasTargets={targets !== undefined && targets.length > 0}
        onPick={(command) => {
          setDraft(command);
          inputRef.current?.focus();
        }}
      />
    );
  }

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
          <div className="main__view">{view}</div>
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
            onSubmitted={(command) => setSent((list) => [command, ...list])}
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
