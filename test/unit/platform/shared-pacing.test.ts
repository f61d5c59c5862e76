/**
 * Gate 3 of the usage plan pacer: two pacers (two instances) over one store (one SQLite file, one
 * PostgreSQL database) stay together under one group's limit in every sliding window, and a
 * pacer created later (a restart) waits for what the others already spent instead of sending.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsagePlanPacer } from '../../../src/platform/usage-plan-pacer.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';
import { waitUntil } from '../../helpers/wait-until.ts';

const havePostgres = await postgresForTests();
const backends = [
  { name: 'one SQLite file', skip: false, url: (): Promise<{ url: string; cleanup: () => Promise<void> | void }> => Promise.resolve(tempDatabase()) },
  { name: 'one PostgreSQL database', skip: !havePostgres, url: () => tempPostgresDatabase() },
];

const LIMIT = 16;
const WINDOW_MS = 300;

for (const backend of backends) {
  describe.skipIf(backend.skip)(`shared pacing over ${backend.name}`, () => {
    let db: { url: string; cleanup: () => Promise<void> | void };
    const stores: Store[] = [];
    beforeEach(async () => {
      db = await backend.url();
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      await db.cleanup();
    });

    async function pacer(instanceId: string, waits: string[] = []) {
      const store = await openStore(db.url, { instanceId });
      stores.push(store);
      return new UsagePlanPacer({
        group: 'Heavy',
        limit: LIMIT,
        windowMs: WINDOW_MS,
        shared: { budget: store.rateGrants, key: 'bot|Heavy' },
        sliceValidityMs: 100,
        onWait: (_ms, reason) => waits.push(reason),
      });
    }

    it('two instances together never exceed the limit in any window; a restarted one waits for the shared record', async () => {
      const a = await pacer('a');
      const b = await pacer('b');
      const starts: number[] = [];
      const call = () => {
        starts.push(Date.now());
        return Promise.resolve();
      };
      await Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => (i % 2 ? a : b).schedule(call)));
      expect(starts).toHaveLength(3 * LIMIT);
      starts.sort((x, y) => x - y);
      for (const t of starts) expect(starts.filter((u) => u >= t && u < t + WINDOW_MS).length).toBeLessThanOrEqual(LIMIT);

      // A restart right after the others spent a full window (as the record says): it waits on it.
      const grants = stores[0]!.rateGrants;
      await waitUntil(async () => ((await grants.used('bot|Heavy', WINDOW_MS, 100, Date.now())) === 0 ? true : undefined), 'the window to empty');
      const spent = await grants.take('bot|Heavy', LIMIT, LIMIT, WINDOW_MS, 100, Date.now());
      expect(spent.granted).toBe(LIMIT);
      const spentAt = Date.now();
      starts.push(...Array.from({ length: spent.granted }, () => spentAt));
      const waits: string[] = [];
      const c = await pacer('c', waits);
      await c.schedule(call);
      expect(waits).toContain('shared-budget');
      starts.sort((x, y) => x - y);
      for (const t of starts) expect(starts.filter((u) => u >= t && u < t + WINDOW_MS).length).toBeLessThanOrEqual(LIMIT);
    });

    it('one database write per slice, not per call', async () => {
      const a = await pacer('a');
      await Promise.all(Array.from({ length: LIMIT }, () => a.schedule(() => Promise.resolve())));
      const grants = await stores[0]!.rateGrants.list('bot|Heavy');
      expect(grants.reduce((n, g) => n + g.count, 0)).toBeGreaterThanOrEqual(LIMIT);
      expect(grants.length).toBeLessThan(LIMIT);
    });
  });
}
