import type { CommandHint, TargetView } from '../api/types.js';
import { formatCount } from '../execution/status';
import type { TargetChoice } from '../fleet/target-choice';
import type { RunPreviewState } from '../fleet/use-run-preview';
import { targetName } from '../shared/target-name';

/** What a command typed now would run on: a name for people, and the commands allowed there. */
export interface CommandScope {
  readonly label: string;
  readonly commands: readonly CommandHint[];
}

/** Every command allowed on any of these targets, once each, by name. */
export function commandsOf(targets: readonly (TargetView | undefined)[]): CommandHint[] {
  const byName = new Map<string, CommandHint>();
  for (const target of targets) {
    for (const command of target?.commands ?? []) {
      if (!byName.has(command.name)) byName.set(command.name, command);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What hints and completion draw on: one target's commands, or those of a run's targets. */
export function scopeOf(
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
