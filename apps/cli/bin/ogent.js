#!/usr/bin/env node
// The command's entry point, kept outside dist/ so that npm links it at install time, before
// anything is built.
try {
  await import('../dist/ogent.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('ogent.js')) {
    throw error;
  }
  process.stderr.write('ogent: not built yet: run `npm run build` in the repository first\n');
  process.exitCode = 255;
}
