import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How a path operand must fare once resolved on the target. */
export type PathOutcome =
  | { readonly ok: true; readonly content: string }
  | { readonly ok: false; readonly kind: 'outside' | 'missing' };

/**
 * A directory tree with the symbolic links a hostile log directory could hold, readable by any
 * account (the local target runs as `nobody`, the SSH target as its own user), and the outcome
 * each path under `allowed` must have when the policy limits paths to `allowed`.
 */
export interface PathFixture {
  readonly root: string;
  /** The prefix the policy allows. */
  readonly allowed: string;
  /** A file outside `allowed` that must never be printed. */
  readonly canary: string;
  readonly cases: readonly {
    readonly name: string;
    readonly path: string;
    readonly outcome: PathOutcome;
  }[];
  remove(): void;
}

export const CANARY_TEXT = 'CANARY-outside-the-prefix';

export function makePathFixture(): PathFixture {
  const isRoot = process.getuid?.() === 0;
  // As root, under /run (not world-writable /tmp), so other accounts can read it and no other
  // user can plant links in its parents.
  const parent = isRoot ? '/run' : os.tmpdir();
  const root = mkdtempSync(path.join(parent, 'ogent-paths-'));
  chmodSync(root, 0o755);
  const allowed = path.join(root, 'logs');
  const secret = path.join(root, 'secret');
  mkdirSync(path.join(allowed, 'sub'), { recursive: true, mode: 0o755 });
  mkdirSync(secret, { mode: 0o755 });
  const canary = path.join(secret, 'canary');
  writeFileSync(canary, `${CANARY_TEXT}\n`, { mode: 0o644 });
  writeFileSync(path.join(allowed, 'plain.log'), 'plain\n', { mode: 0o644 });
  const odd = `it's "odd" $(id) name.log`;
  writeFileSync(path.join(allowed, odd), 'odd\n', { mode: 0o644 });
  writeFileSync(path.join(allowed, 'sub', 'deep.log'), 'deep\n', { mode: 0o644 });
  symlinkSync(canary, path.join(allowed, 'link-out'));
  symlinkSync(path.join(allowed, 'plain.log'), path.join(allowed, 'link-in'));
  symlinkSync(path.join(allowed, 'nothing-here'), path.join(allowed, 'dangling'));
  symlinkSync(secret, path.join(allowed, 'linked-dir'));
  // `..` that appears only after resolution: the typed path `logs/hop/canary` has none for the
  // policy to see, but `hop` points at `../secret`.
  symlinkSync('../secret', path.join(allowed, 'hop'));
  symlinkSync('sub/../sub/deep.log', path.join(allowed, 'relative-in'));
  const at = (name: string): string => path.join(allowed, name);
  return {
    root,
    allowed,
    canary,
    cases: [
      { name: 'a plain file', path: at('plain.log'), outcome: { ok: true, content: 'plain\n' } },
      {
        name: 'a name with spaces and quotes',
        path: at(odd),
        outcome: { ok: true, content: 'odd\n' },
      },
      {
        name: 'a link pointing in',
        path: at('link-in'),
        outcome: { ok: true, content: 'plain\n' },
      },
      {
        name: 'a relative link with .. that stays in',
        path: at('relative-in'),
        outcome: { ok: true, content: 'deep\n' },
      },
      {
        name: 'a link pointing out',
        path: at('link-out'),
        outcome: { ok: false, kind: 'outside' },
      },
      { name: 'a dangling link', path: at('dangling'), outcome: { ok: false, kind: 'missing' } },
      {
        name: 'a file under a linked directory',
        path: at('linked-dir/canary'),
        outcome: { ok: false, kind: 'outside' },
      },
      {
        name: '.. that appears only after resolution',
        path: at('hop/canary'),
        outcome: { ok: false, kind: 'outside' },
      },
    ],
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
