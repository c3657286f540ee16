import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineConfig({
    // The tests start real servers and sshd, and stream 100 MB: one file at a time on 2 cores.
    test: { fileParallelism: false, testTimeout: 120_000 },
  }),
);
