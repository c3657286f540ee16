import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How long the `pause` script waits between its two halves. */
export const PAUSE_MS = 1_200;
/**
 * The least gap arrival times may show across the pause: a line's time is taken when the server
 * receives it, so a busy event loop (two cores, several test suites) can stamp the first half
 * late.
 */
export const SHORTEST_GAP_MS = PAUSE_MS - 300;

/** A command for recordings and line times: output, a pause, more output, an exit status. */
export interface PauseScript {
  /** The script's path, for a command's `path`. */
  readonly path: string;
  remove(): void;
}

/**
 * Writes `pause.sh` in a new directory: a line on stdout and one on stderr, a pause of
 * PAUSE_MS, a last line, then `exit exitCode`. Plain sh with absolute paths: commands run with
 * an empty environment.
 */
export function writePauseScript(exitCode = 0): PauseScript {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-pause-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'pause.sh');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      'echo "before pause"',
      'echo "warning: pausing" >&2',
      `/bin/sleep ${PAUSE_MS / 1000}`,
      'echo "after pause"',
      `exit ${exitCode}`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { path: file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
