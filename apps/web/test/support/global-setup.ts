import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newestChange(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))),
  );
}

/**
 * The browser tests run against the production build that the server serves. turbo builds it
 * before `test`; when the tests are run directly and the build is missing or older than the
 * sources, build it here, so no test ever runs against stale code. In a child process: vitest
 * sets NODE_ENV=test, which would give a development build of React.
 */
export default function setup(): void {
  const outDir = process.env.OGENT_WEB_DIST ?? path.join(root, 'dist');
  const built = path.join(outDir, 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => path.join(root, p));
  const newest = Math.max(...sources.filter((p) => existsSync(p)).map(newestChange));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  const vitePackage = createRequire(import.meta.url).resolve('vite/package.json');
  const vite = path.join(path.dirname(vitePackage), 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error(`vite build failed (exit ${String(result.status)})`);
}
