import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `probe`: a health check whose answer depends on how many hosts asked before (a counter under
 * a lock), so a run's results are known in advance whatever order its hosts run in: of hosts
 * 1..N, every 100th fails (exit 2, an extra line and a warning on stderr) and every 250th from
 * the 7th reports an old version (exit 0, one line different). Plain sh, builtins but for the
 * lock (a thousand hosts should cost the machine little): the command runs with an empty
 * environment, as `nobody`.
 */
function probeScript(dir: string): string {
  const lock = path.join(dir, 'lock');
  const count = path.join(dir, 'count');
  return `#!/bin/sh
exec 9>>${lock}
/usr/bin/flock 9
read n < ${count}
n=$((n + 1))
echo $n > ${count}
exec 9>&-
echo "service: nginx"
echo "state: active (running)"
if [ $((n % 250)) -eq 7 ]; then echo "version: 1.22.1"; else echo "version: 1.24.0"; fi
echo "listening: 0.0.0.0:443"
if [ $((n % 100)) -eq 0 ]; then
  echo "disk: /var 97% full"
  echo "probe: disk check failed" >&2
  exit 2
fi
echo "disk: ok"
`;
}

/** What `probe` does on `hosts` hosts: how many fail, and how many print the old version. */
export function probeOutcome(hosts: number): { failed: number; outdated: number } {
  let failed = 0;
  let outdated = 0;
  for (let n = 1; n <= hosts; n += 1) {
    if (n % 100 === 0) failed += 1;
    else if (n % 250 === 7) outdated += 1;
  }
  return { failed, outdated };
}

export interface ProbeFixture {
  /** The script, for the `commands` section. */
  readonly path: string;
  /** Starts counting from 1 again. */
  reset(): void;
  remove(): void;
}

export function createProbe(): ProbeFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-probe-'));
  // The command runs as `nobody` when the server is root: it must write the counter.
  chmodSync(dir, 0o777);
  const script = path.join(dir, 'probe.sh');
  writeFileSync(script, probeScript(dir), { mode: 0o755 });
  const reset = (): void => {
    writeFileSync(path.join(dir, 'count'), '0\n', { mode: 0o666 });
    chmodSync(path.join(dir, 'count'), 0o666);
  };
  reset();
  return { path: script, reset, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `fleet-0001` ... : local targets (no sshd needed) labelled for selectors. */
export function fleetTargets(count: number): {
  id: string;
  transport: 'local';
  labels: Record<string, string>;
}[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `fleet-${String(i + 1).padStart(4, '0')}`,
    transport: 'local' as const,
    labels: { role: 'web', env: i % 2 === 0 ? 'prod' : 'staging', zone: `z${(i % 4) + 1}` },
  }));
}
