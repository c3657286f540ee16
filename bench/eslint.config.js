import base from '@ogent/eslint-config';

export default [
  ...base,
  // Scratch scripts for profiling, never committed (see .gitignore).
  { ignores: ['tmp/**'] },
  // A benchmark reports on the console.
  { rules: { 'no-console': 'off' } },
];
