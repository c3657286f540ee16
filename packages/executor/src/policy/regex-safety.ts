const BOUNDED_QUANTIFIER = /^\{\d+(,\d*)?\}/;

interface Frame {
  start: number;
  /** Contains a quantifier (at any depth). */
  quantified: boolean;
  /** Contains `|` at its own level. */
  alternation: boolean;
}

/**
 * Finds a quantifier applied to a group that itself contains a quantifier or an alternation,
 * such as `(a+)+`, `(?:x*y)*` or `(a|aa)+`: the shapes behind catastrophic backtracking.
 * Conservative on purpose: it also refuses some unambiguous patterns (`(a|b)+`), which an
 * administrator can always rewrite (`[ab]+`).
 *
 * Returns the offending fragment, or null when there is none. Policy patterns are checked once,
 * at load time; user input never reaches this function.
 */
export function nestedQuantifier(source: string): string | null {
  const stack: Frame[] = [{ start: 0, quantified: false, alternation: false }];
  let lastGroup: Frame | null = null;
  let i = 0;
  const top = (): Frame =>
    stack[stack.length - 1] ?? { start: 0, quantified: false, alternation: false };

  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      const kind = source[i + 1];
      // \u{...}, \p{...} and \P{...} carry braces that are not quantifiers.
      if ((kind === 'u' || kind === 'p' || kind === 'P') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        i = close === -1 ? source.length : close + 1;
      } else {
        i += 2;
      }
      lastGroup = null;
      continue;
    }
    if (c === '[') {
      i += 1;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i += 1;
      lastGroup = null;
      continue;
    }
    if (c === '(') {
      stack.push({ start: i, quantified: false, alternation: false });
      i += 1;
      if (source[i] === '?') i += 1; // group modifiers (?: (?= (?! (?<name> are not quantifiers
      lastGroup = null;
      continue;
    }
    if (c === ')') {
      const closed = stack.length > 1 ? (stack.pop() ?? null) : null;
      if (closed?.quantified) top().quantified = true;
      lastGroup = closed;
      i += 1;
      continue;
    }
    const bounded = c === '{' ? BOUNDED_QUANTIFIER.exec(source.slice(i)) : null;
    if (c === '*' || c === '+' || c === '?' || bounded !== null) {
      const length = bounded?.[0].length ?? 1;
      if (lastGroup?.quantified || lastGroup?.alternation)
        return source.slice(lastGroup.start, i + length);
      top().quantified = true;
      i += length;
      if (source[i] === '?') i += 1; // lazy modifier
      lastGroup = null;
      continue;
    }
    if (c === '|') top().alternation = true;
    lastGroup = null;
    i += 1;
  }
  return null;
}
