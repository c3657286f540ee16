import base from '@ogent/eslint-config';

export default [
  ...base,
  // A benchmark reports on the console.
  { rules: { 'no-console': 'off' } },
];
