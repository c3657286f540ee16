import { DomainError } from '../errors.js';

/** What a selector matches on: a target's id and labels. */
export interface Selectable {
  readonly id: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

type Term =
  | { readonly kind: 'all' }
  | { readonly kind: 'has'; readonly key: string; readonly negated: boolean }
  | {
      readonly kind: 'value';
      readonly key: string;
      readonly negated: boolean;
      readonly values: readonly RegExp[];
    };

/** A parsed selector: every term must match. */
export interface Selector {
  readonly text: string;
  matches(target: Selectable): boolean;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const VALUE = /^[A-Za-z0-9._*-]{0,63}$/;

function invalid(text: string, term: string, why: string): DomainError {
  return new DomainError(
    'invalid_input',
    `Invalid selector ${JSON.stringify(text)} at ${JSON.stringify(term)}: ${why}. ` +
      'Write terms like role=web, env!=prod, role=web|db, name=web-*, zone, !zone, ' +
      'separated by commas (all must match), or * for every target.',
  );
}

/** A value pattern: `*` matches any run of characters, the rest literally. */
function globPattern(value: string): RegExp {
  const escaped = value.replace(/[.+?^${}()[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

function parseTerm(text: string, raw: string): Term {
  const term = raw.trim();
  if (term === '*') return { kind: 'all' };
  const match = /^([^=!]*)(!=|==|=)(.*)$/.exec(term);
  if (match === null) {
    const negated = term.startsWith('!');
    const key = negated ? term.slice(1) : term;
    if (!KEY.test(key)) throw invalid(text, raw, 'a label key is letters, digits, . _ / -');
    return { kind: 'has', key, negated };
  }
  const [, key = '', operator, value = ''] = match;
  if (!KEY.test(key)) throw invalid(text, raw, 'a label key is letters, digits, . _ / -');
  const values = value.split('|');
  for (const v of values) {
    if (!VALUE.test(v)) {
      throw invalid(text, raw, 'a value is letters, digits, . _ - and * (any characters)');
    }
  }
  return { kind: 'value', key, negated: operator === '!=', values: values.map(globPattern) };
}

/** The id matches as the label `id` unless the target has a label of that name. */
function labelOf(target: Selectable, key: string): string | undefined {
  const label = target.labels?.[key];
  if (label !== undefined) return label;
  return key === 'id' ? target.id : undefined;
}

function termMatches(term: Term, target: Selectable): boolean {
  switch (term.kind) {
    case 'all':
      return true;
    case 'has':
      return (labelOf(target, term.key) !== undefined) !== term.negated;
    case 'value': {
      const label = labelOf(target, term.key);
      const hit = label !== undefined && term.values.some((pattern) => pattern.test(label));
      return hit !== term.negated;
    }
  }
}

/**
 * Parses a selector: terms separated by commas, all of which must match. `key=value` (the label
 * has that value; `|` separates alternatives, `*` matches any characters), `key!=value` (it has
 * not, or no such label), `key` (the label is present), `!key` (absent), `*` (every target). The
 * key `id` matches the target's id. Throws `invalid_input` naming the bad term.
 */
export function parseSelector(text: string): Selector {
  if (text.trim() === '') throw invalid(text, text, 'it is empty');
  const terms = text.split(',').map((raw) => {
    if (raw.trim() === '') throw invalid(text, raw, 'a term is empty');
    return parseTerm(text, raw);
  });
  return { text, matches: (target) => terms.every((term) => termMatches(term, target)) };
}
