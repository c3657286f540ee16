/**
 * An element of argv (or the end of one, after `--file=`) that names a path the policy limits to
 * some directories. The policy checks the text; the transport resolves the path where the
 * program will open it (symbolic links, `..` after resolution) and checks it again there, then
 * passes the resolved path to the program.
 */
export interface PathOperand {
  /** Index in argv. */
  readonly index: number;
  /** Where the path starts inside that element: 0 for an operand, 7 for `--file=/x`. */
  readonly offset: number;
  /** Directories (or files) the resolved path must be at or below. */
  readonly prefixes: readonly string[];
}

/** Why a resolved path was refused. */
export type PathRefusalKind = 'missing' | 'outside' | 'no_realpath';

/** `/var/log` admits `/var/log` and `/var/log/x`, never `/var/logs`; `/` admits everything. */
export function isUnderPrefix(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => {
    const base = prefix.replace(/\/+$/, '');
    return path === base || path.startsWith(`${base}/`);
  });
}

/** The sentence a user sees when a path operand is refused on the target. */
export function pathRefusalMessage(
  argv: readonly string[],
  operand: PathOperand | undefined,
  kind: PathRefusalKind,
): string {
  if (kind === 'no_realpath' || operand === undefined) {
    return 'The target has no `realpath` (GNU coreutils) to resolve path arguments with, so nothing was run.';
  }
  const typed = (argv[operand.index] ?? '').slice(operand.offset);
  const where = operand.prefixes.join(' or ');
  return kind === 'missing'
    ? `Path "${typed}" does not exist on the target (or cannot be resolved), so nothing was run.`
    : `Path "${typed}" resolves on the target to a place outside ${where} ` +
        '(through a symbolic link), so nothing was run.';
}
