import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      // The browser tests share one machine's CPU: run files one after another so the 50 MB
      // measurement is not disturbed by the others.
      fileParallelism: false,
      globalSetup: ['test/support/global-setup.ts'],
      testTimeout: 120_000,
      // Polls wait for a browser and a real command: give them as long as a user would wait.
      expect: { poll: { timeout: 15_000, interval: 50 } },
      hookTimeout: 120_000,
    },
  }),
);
