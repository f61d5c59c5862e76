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
      // Spawned processes and browsers start slowly on a busy 2-core machine: a larger budget (a
      // time-out, not an assertion of speed).
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000 } },
    ],
  },
});
