// ESLint flat config for the React app: the shared rules, the rules of hooks, browser globals, and
// no import cycles (a feature folder's layering is checked by scripts/check-cycles.mjs).
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import cycles from './cycles.js';
import base from './index.js';

export default tseslint.config(...base, ...cycles, {
  files: ['**/*.{ts,tsx}'],
  languageOptions: { globals: globals.browser },
  plugins: { 'react-hooks': reactHooks },
  rules: reactHooks.configs.recommended.rules,
});
