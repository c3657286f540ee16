/**
 * Folds target ids into ranges as ClusterShell's `nodeset -f` does: ids that differ only in
 * their last run of digits, with the same width, become `prefix[01-03,07]suffix`.
 */
export function foldHosts(ids: readonly string[]): string {
  interface Family {
    readonly prefix: string;
    readonly suffix: string;
    readonly width: number;
    readonly numbers: number[];
  }
  const families = new Map<string, Family>();
  const order: string[] = [];
  const parsed = [...new Set(ids)].map((id) => {
    const match = /^(.*?)(\d+)(\D*)$/.exec(id);
    return match === null
      ? { id }
      : { id, prefix: match[1] ?? '', digits: match[2] ?? '', suffix: match[3] ?? '' };
  });
  // Widths padded with leading zeros, per prefix and suffix: `10` joins `01`-`09` (width 2).
  const padded = new Set<string>();
  for (const p of parsed) {
    if (p.digits !== undefined && p.digits.length > 1 && p.digits.startsWith('0')) {
      padded.add(`${p.prefix}\u0000${p.suffix}\u0000${p.digits.length}`);
    }
  }
  for (const p of parsed) {
    if (p.digits === undefined) {
      order.push(`=${p.id}`);
      continue;
    }
    const { prefix, suffix, digits } = p;
    const sameWidth = `${prefix}\u0000${suffix}\u0000${digits.length}`;
    const width = padded.has(sameWidth) ? digits.length : 0;
    const key = `${prefix}\u0000${suffix}\u0000${width}`;
    let family = families.get(key);
    if (family === undefined) {
      family = { prefix, suffix, width, numbers: [] };
      families.set(key, family);
      order.push(key);
    }
    family.numbers.push(Number(digits));
  }
  return order
    .map((key) => {
      if (key.startsWith('=')) return key.slice(1);
      const family = families.get(key);
      if (family === undefined) return '';
      const pad = (n: number): string => String(n).padStart(family.width, '0');
      const numbers = [...new Set(family.numbers)].sort((a, b) => a - b);
      if (numbers.length === 1) return `${family.prefix}${pad(numbers[0] ?? 0)}${family.suffix}`;
      const ranges: string[] = [];
      let start = numbers[0] ?? 0;
      let end = start;
      for (const n of numbers.slice(1)) {
        if (n === end + 1) {
          end = n;
          continue;
        }
        ranges.push(start === end ? pad(start) : `${pad(start)}-${pad(end)}`);
        start = n;
        end = n;
      }
      ranges.push(start === end ? pad(start) : `${pad(start)}-${pad(end)}`);
      return `${family.prefix}[${ranges.join(',')}]${family.suffix}`;
    })
    .join(',');
}
