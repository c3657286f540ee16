/**
 * Edit distance with adjacent transpositions (optimal string alignment): `upitme` is one step
 * from `uptime`, as a typo is, where plain Levenshtein counts two.
 */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  // Three rows of the table are enough: the one before the previous is for transpositions.
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[y.length] ?? 0;
}

/**
 * How far a word may be from a name and still be taken for a typo of it. Short words need a
 * close match: `grep` is two letters from `free`, which is no typo.
 */
function tolerance(length: number): number {
  if (length <= 4) return 1;
  if (length <= 8) return 2;
  return 3;
}

/**
 * The names a mistyped word was most likely meant to be, closest first (at most `limit`, all
 * equally close): `upitme` gives `uptime`. Case is ignored (`LS` gives `ls`); a word of one or
 * two letters only matches its own letters swapped (`sl` gives `ls`, `ps` gives nothing).
 */
export function didYouMean(word: string, names: readonly string[], limit = 3): string[] {
  const typed = word.toLowerCase();
  if (typed === '') return [];
  const short = Array.from(typed).length <= 2;
  const scored = names
    .filter((name) => name !== word)
    .map((name) => ({ name, distance: editDistance(typed, name.toLowerCase()) }))
    .filter(({ name, distance }) =>
      short
        ? distance <= 1 && [...typed].sort().join('') === [...name.toLowerCase()].sort().join('')
        : distance <= tolerance(Array.from(typed).length),
    );
  const best = Math.min(...scored.map((s) => s.distance));
  return scored
    .filter((s) => s.distance === best)
    .map((s) => s.name)
    .sort((a, b) => a.localeCompare(b))
    .slice(0, limit);
}
