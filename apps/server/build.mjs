// Bundles the server and the workspace packages it uses (TypeScript sources) into dist/main.js.
// Everything from npm stays external and is loaded from node_modules at run time: native
// modules (better-sqlite3, ssh2) cannot be bundled, and the rest needs no bundling.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const external = new Set();
for (const file of [
  'package.json',
  '../../packages/api/package.json',
  '../../packages/executor/package.json',
]) {
  const { dependencies = {} } = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));
  for (const name of Object.keys(dependencies)) if (!name.startsWith('@ogent/')) external.add(name);
}

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: [...external].flatMap((name) => [name, `${name}/*`]),
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
