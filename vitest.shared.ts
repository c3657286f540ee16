import { defineConfig } from 'vitest/config';

/** Shared by every package's vitest.config.ts: each run leaves a JSON report that
 * scripts/test.sh totals. */
export const sharedConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // Type tests (`*.test-d.ts`, expectTypeOf) pin contracts only types express; tsc checks them
    // and they count as tests.
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
