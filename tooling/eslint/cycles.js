// Fails on an import cycle between files (import-x/no-cycle). Folder-level cycles, which no two
// files need to form, are checked by scripts/check-cycles.mjs in the same `npm run lint`.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default [
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these the plugin skips TypeScript files as "not modules", and finds no cycle.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      // The sources import TypeScript files by their emitted name (`./types.js`) or none at all.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      // Type-only imports count: a layer that needs another's types depends on it all the same.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
];
