import { defineConfig } from 'vitest/config';

// Three projects: `unit` (no processes spawned, no browser, fast; `npm run test:unit`), `images`
// (the real-image and worker-isolation suites of the avatar pipeline: minutes of decoding;
// `npm run test:images`) and `e2e` (real sockets, spawned processes, a browser;
// `npm run test:e2e`). `npm test` runs all three.
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'images', include: ['test/images/**/*.test.ts'] } },
      // Spawned processes and browsers start slowly on a busy 2-core machine: a larger budget (a
      // time-out, not an assertion of speed).
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000 } },
    ],
  },
});
