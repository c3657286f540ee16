export { default } from '@ogent/eslint-config/react';
