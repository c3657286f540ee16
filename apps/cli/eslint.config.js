import config from '@ogent/eslint-config';

// bin/ogent.js only loads the build; build.mjs is left out by the shared config already.
export default [{ ignores: ['bin/**'] }, ...config];
