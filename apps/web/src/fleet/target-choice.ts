import type { TargetView } from '../api/types.js';

/**
 * What the Target field names: one target (the single-execution flow), several (a run on those
 * ids), a selector over labels (a run on what it matches), or not yet anything runnable.
 */
export type TargetChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'target'; readonly id: string }
  | { readonly kind: 'targets'; readonly ids: readonly string[] }
  | { readonly kind: 'selector'; readonly selector: string }
  /** Plain names, some of which are no target: still being typed, or a typo. */
  | { readonly kind: 'unknown'; readonly names: readonly string[] };

/** Characters only a selector has: `role=web`, `env!=prod`, `name=web-*`, `a|b`, `*`. */
const SELECTOR_SYNTAX = /[=!*|]/;

function parts(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * Reads the field. Target ids separated by commas name those targets; anything with selector
 * syntax is a selector (the server parses it and says what is wrong with it).
 */
export function parseTargetChoice(text: string, isTarget: (id: string) => boolean): TargetChoice {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'none' };
  if (SELECTOR_SYNTAX.test(trimmed)) return { kind: 'selector', selector: trimmed };
  const names = [...new Set(parts(trimmed))];
  const unknown = names.filter((name) => !isTarget(name));
  if (unknown.length > 0) return { kind: 'unknown', names: unknown };
  const [first] = names;
  if (names.length === 1 && first !== undefined) return { kind: 'target', id: first };
  return { kind: 'targets', ids: names };
}

/** Whether the choice makes a fleet run rather than one execution. */
export function isFleet(
  choice: TargetChoice,
): choice is Extract<TargetChoice, { kind: 'targets' | 'selector' }> {
  return choice.kind === 'targets' || choice.kind === 'selector';
}

/** `role=web env=prod`, for showing and searching. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

/**
 * What the field's suggestions filter on: the text after the last comma when everything before
 * it names targets (to add one more), the whole text otherwise; null for a selector.
 */
export function searchTerm(
  text: string,
  isTarget: (id: string) => boolean,
): { readonly term: string; readonly chosen: readonly string[] } | null {
  if (SELECTOR_SYNTAX.test(text)) return null;
  const comma = text.lastIndexOf(',');
  const before = comma === -1 ? [] : parts(text.slice(0, comma));
  if (!before.every(isTarget)) return null;
  return { term: text.slice(comma + 1).trim(), chosen: before };
}

/** Targets whose id, label or labels contain the term (any case), in their configured order. */
export function filterTargets(targets: readonly TargetView[], term: string): readonly TargetView[] {
  const needle = term.toLowerCase();
  if (needle === '') return targets;
  return targets.filter(
    (t) =>
      t.id.toLowerCase().includes(needle) ||
      t.label.toLowerCase().includes(needle) ||
      formatLabels(t.labels).toLowerCase().includes(needle),
  );
}

/** The field's text after picking `id` from the suggestions: it replaces the term being typed. */
export function pickTarget(chosen: readonly string[], id: string): string {
  return [...chosen.filter((c) => c !== id), id].join(', ');
}
