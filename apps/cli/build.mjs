// Bundles the command into dist/ogent.js with the workspace packages it uses (the typed client);
// what comes from npm stays a dependency, so the packed package installs anywhere.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const { dependencies } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8'));

rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { ogent: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});
chmodSync(new URL('bin/ogent.js', import.meta.url), 0o755);
