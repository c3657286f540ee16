import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TestStack, type TestStackOptions, startTestStack } from '@ogent/server/testing';

/**
 * The built console, as the server serves it in production: `dist`, or `OGENT_WEB_DIST` (so that
 * runs from several working states, as when people test changes side by side, do not overwrite
 * each other's build).
 */
export const WEB_ROOT =
  process.env.OGENT_WEB_DIST ?? fileURLToPath(new URL('../../dist', import.meta.url));

/**
 * A `systemctl status`-like report: SGR colours on stdout, a warning on stderr, exit status 3.
 * Plain sh: the command runs with an empty environment (no PATH).
 */
const REPORT_SCRIPT = `#!/bin/sh
e=$(printf '\\033')
ok="\${e}[32m●\${e}[0m"; bad="\${e}[1;31m●\${e}[0m"
echo "\${ok} \${e}[1mnginx.service\${e}[0m - A high performance web server"
echo "     Loaded: loaded (/lib/systemd/system/nginx.service; \${e}[32menabled\${e}[0m)"
echo "     Active: \${e}[1;32mactive (running)\${e}[0m since Mon 09:12:44 UTC; 3h 12min ago"
echo "   Main PID: 812 (nginx)"
echo "\${ok} \${e}[1mpostgresql.service\${e}[0m - PostgreSQL RDBMS"
echo "     Active: \${e}[1;32mactive (exited)\${e}[0m since Mon 09:12:40 UTC; 3h 12min ago"
echo "\${bad} \${e}[1mredis-server.service\${e}[0m - Advanced key-value store"
echo "     Active: \${e}[1;31mfailed\${e}[0m (Result: exit-code) since Mon 12:20:03 UTC; 4min ago"
echo "redis-server.service: Main process exited, code=exited, status=1/FAILURE" >&2
echo "   Process: 2231 ExecStart=/usr/bin/redis-server \${e}[2m(code=exited, status=1/FAILURE)\${e}[0m"
echo "\${e}[33mwarning:\${e}[0m /var is 91% full (\${e}[1m4.1G\${e}[0m free)" >&2
echo "\${e}[38;5;244m3 units listed. 1 failed.\${e}[0m"
exit 3
`;

export interface WebStack extends TestStack {
  /** Directory of the extra fixtures (the report script). */
  readonly extraDir: string;
}

/**
 * The real server (with a real sshd target `web-1` unless `sshd: false`) serving the built
 * console, plus two commands the console tests need: `printf` and `report` (coloured output).
 * The server section is merged into the harness's, so its data directory stays the harness's.
 */
export async function startWebStack(options: TestStackOptions = {}): Promise<WebStack> {
  const extraDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-web-fixture-'));
  chmodSync(extraDir, 0o755);
  const report = path.join(extraDir, 'report.sh');
  writeFileSync(report, REPORT_SCRIPT, { mode: 0o755 });
  const stack = await startTestStack({
    ...options,
    config: {
      ...options.config,
      server: { webRoot: WEB_ROOT, ...options.config?.server },
      commands: {
        printf: { path: '/usr/bin/printf', args: { min: 1, max: 8 } },
        report: { path: report, description: 'Status of the services' },
        ...options.config?.commands,
      },
    },
  });
  return {
    ...stack,
    extraDir,
    stop: async () => {
      await stack.stop();
      rmSync(extraDir, { recursive: true, force: true });
    },
  };
}
