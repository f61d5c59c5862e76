import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three projects: `unit` (no processes spawned, no browser, fast; `npm run test:unit`), `images`
// (the real-image and worker-isolation suites of the avatar pipeline: minutes of decoding;
// `npm run test:images`) and `e2e` (real sockets, spawned processes, a browser;
// `npm run test:e2e`). `npm test` runs all three, one project after the other (groupOrder).
//
// Unit files run on every core (at least 2, at most 4: each PostgreSQL test opens pools of its
// own): vitest's default, cores − 1, is one worker on a 2-core machine, which left a core idle
// while a file waited on the database (73 s → about 40 s). Images and e2e keep the default: their
// files start worker threads and processes of their own.
const UNIT_WORKERS = Math.min(4, Math.max(2, availableParallelism()));

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: UNIT_WORKERS, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'images', include: ['test/images/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      // Spawned processes and browsers start slowly on a busy 2-core machine: a larger budget (a
      // time-out, not an assertion of speed).
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000, sequence: { groupOrder: 2 } } },
    ],
  },
});
