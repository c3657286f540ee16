import type { TargetView } from '../api/types.js';
import { ExecutionPane } from '../execution/ExecutionPane';
import { RunPreviewPanel } from '../fleet/RunPreviewPanel';
import { type TargetChoice, isFleet } from '../fleet/target-choice';
import type { RunPreviewState } from '../fleet/use-run-preview';
import { RunView } from '../runs/RunView';
import type { Route } from '../shared/route';
import { StoragePanel } from '../storage/StoragePanel';
import { Welcome } from './Welcome';

interface MainViewProps {
  readonly route: Route;
  readonly choice: TargetChoice;
  readonly byId: ReadonlyMap<string, TargetView>;
  readonly targetsLoading: boolean;
  readonly hasTargets: boolean;
  readonly draft: string;
  readonly preview: RunPreviewState | null;
  readonly targetLabel: (id: string) => string;
  /** Puts a command and its target in the prompt, to change before running it again. */
  readonly onEdit: (command: string, target: string) => void;
  /** Puts a command in the prompt (an example from the welcome). */
  readonly onPick: (command: string) => void;
}

/**
 * What the console shows above the prompt: the route's execution, run or storage figures; else
 * what a run being typed would reach; else the welcome with what the target allows.
 */
export function MainView(props: MainViewProps) {
  const { route, choice, preview, targetLabel, onEdit } = props;
  switch (route.name) {
    case 'execution':
      return (
        <ExecutionPane
          key={route.id}
          executionId={route.id}
          lines={route.lines}
          targetLabel={targetLabel}
          onEdit={onEdit}
        />
      );
    case 'run':
      return (
        <RunView
          key={route.id}
          runId={route.id}
          host={route.host}
          targetLabel={targetLabel}
          onEdit={onEdit}
        />
      );
    case 'storage':
      return <StoragePanel />;
    case 'console':
      break;
  }
  if (isFleet(choice) && preview !== null) {
    return (
      <RunPreviewPanel
        names={choice.kind === 'selector' ? choice.selector : choice.ids.join(', ')}
        command={props.draft}
        preview={preview}
      />
    );
  }
  return (
    <Welcome
      target={choice.kind === 'target' ? props.byId.get(choice.id) : undefined}
      loading={props.targetsLoading}
      hasTargets={props.hasTargets}
      onPick={props.onPick}
    />
  );
}
