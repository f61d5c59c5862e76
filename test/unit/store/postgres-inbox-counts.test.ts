/**
 * PostgreSQL keeps the inbox counters in one row per connection (backend pid); a prune folds the
 * rows of closed connections into one, so restarts don't grow the table, and the sums hold.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';

const available = await postgresForTests();

describe.skipIf(!available)('inbox counters on PostgreSQL', () => {
  let db: { url: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    db = await tempPostgresDatabase();
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  async function counterShards(): Promise<number[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ shard: number }>('SELECT DISTINCT shard FROM inbox_counts ORDER BY shard');
      return r.rows.map((row) => Number(row.shard));
    } finally {
      await client.end();
    }
  }

  it('folds the counters of closed connections into shard 0 on prune, keeping the counts', async () => {
    // three "instances" that each accept and finish work, then stop (their connections close)
    for (let i = 0; i < 3; i++) {
      const store = await openStore(db.url, { instanceId: `I${i}` });
      for (let k = 0; k < 4; k++) await store.inbox.accept({ uuid: `e${i}-${k}`, source: 'webhook', payload: k }, 1000 + k);
      const claimed = await store.inbox.claimNext(2000);
      await store.inbox.markDone(claimed!.uuid, 2000);
      await store.close();
    }
    expect((await counterShards()).filter((s) => s !== 0).length).toBeGreaterThanOrEqual(3);

    const store = await openStore(db.url, { instanceId: 'after' });
    try {
      const before = await store.inbox.counts();
      expect(before).toEqual({ pending: 9, processing: 0, done: 3, failed: 0 });
      expect(await store.inbox.prune(0)).toBe(0);
      expect(await store.inbox.counts()).toEqual(before);
      const live = await counterShards();
      // only shard 0 and, at most, shards of connections still open (this store's pool)
      expect(live.filter((s) => s !== 0).length).toBeLessThanOrEqual(2);
    } finally {
      await store.close();
    }
  });
});
