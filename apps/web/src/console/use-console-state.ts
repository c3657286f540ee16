import type { TargetView } from '../api/types.js';
import { useCallback, useMemo, useState } from 'react';
import { trpc } from '../api/trpc';
import { parseTargetChoice } from '../fleet/target-choice';
import { useTabState } from '../session/use-tab-state';
import { targetName } from '../shared/target-name';
import { uniqueCommands } from './command-history';

/** How many of the user's past commands Up and Down can reach. */
const HISTORY_DEPTH = 200;

/**
 * The Target field as typed (kept in the tab, like the draft), what it chooses, and how to name a
 * target for people. An empty field means the first target, unless the user cleared it.
 */
export function useTargetSelection(targets: readonly TargetView[] | undefined) {
  const [storedTarget, setStoredTarget] = useTabState('target');
  // Cleared on purpose: the field stays empty rather than falling back to the first target.
  const [cleared, setCleared] = useState(false);
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
  const targetLabel = useCallback(
    (id: string) => {
      const target = byId.get(id);
      return target === undefined ? id : targetName(target);
    },
    [byId],
  );
  return { byId, targetText, setTargetText, choice, targetLabel };
}

/**
 * What Up and Down walk: the commands sent from this tab, then the user's own earlier ones (an
 * admin's list would otherwise hold everyone's), each once.
 */
export function useCommandHistory(username: string) {
  const past = trpc.exec.list.useQuery({ limit: HISTORY_DEPTH, username, excludeRuns: true });
  const [sent, setSent] = useState<readonly string[]>([]);
  const history = useMemo(
    () => uniqueCommands([...sent, ...(past.data?.items.map((item) => item.input) ?? [])]),
    [sent, past.data],
  );
  const remember = useCallback((command: string) => setSent((list) => [command, ...list]), []);
  return { history, remember };
}
