import { defineConfig } from 'vitest/config';

// Two projects: `unit` (no processes spawned, no browser; `npm run test:unit`) and `e2e` (real
// sockets, spawned processes, a browser; `npm run test:e2e`). `npm test` runs both.
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
