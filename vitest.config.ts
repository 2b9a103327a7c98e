import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start their own servers on distinct ports; run files in parallel
    // but keep the pool small: the CI machine has 2 cores.
    maxWorkers: 2,
  },
});
