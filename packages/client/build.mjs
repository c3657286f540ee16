// Builds the package as it is published: ESM JavaScript for Node and browsers with the wire
// format (a private workspace package) bundled in, npm packages left as dependencies, and type
// declarations that name nothing of the workspace (see declarations.mjs).
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { writeDeclarations } from './declarations.mjs';

const { dependencies } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8'));

rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/index.ts', 'src/node.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: ['es2022', 'node20'],
  external: Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});
writeDeclarations();
