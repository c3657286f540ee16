import config from '@ogent/eslint-config';

// declarations.mjs is part of the build, like build.mjs (which the shared config leaves out).
export default [{ ignores: ['declarations.mjs'] }, ...config];
