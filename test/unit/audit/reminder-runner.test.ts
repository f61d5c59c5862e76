/**
 * Reminders as durable shared work, over two stores on one database (one SQLite file, one
 * PostgreSQL database): a batch survives a graceful stop and a dead instance and is finished
 * with each person's direct message sent once; REMINDERS_PER_MINUTE holds for both instances
 * together.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REMINDER_BUDGET_KEY, ReminderRunner } from '../../../src/audit/reminder-runner.ts';
import { ReminderStore } from '../../../src/audit/reminders.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';
import { waitUntil } from '../../helpers/wait-until.ts';

const havePostgres = await postgresForTests();
const silent = { info() {}, warn() {}, error() {} };

const backends = [
  { name: 'one SQLite file', skip: false, url: (): Promise<{ url: string; cleanup: () => Promise<void> | void }> => Promise.resolve(tempDatabase()) },
  { name: 'one PostgreSQL database', skip: !havePostgres, url: () => tempPostgresDatabase() },
];

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(1000 + i), name: `Person ${i}` }));

for (const backend of backends) {
  describe.skipIf(backend.skip)(`reminder runners over two stores on ${backend.name}`, () => {
    let db: { url: string; cleanup: () => Promise<void> | void };
    const stores: Store[] = [];
    const runners: ReminderRunner[] = [];
    beforeEach(async () => {
      db = await backend.url();
    });
    afterEach(async () => {
      for (const r of runners.splice(0)) await r.stop();
      for (const s of stores.splice(0)) await s.close();
      await db.cleanup();
    });

    async function runner(instanceId: string, o: { send: (id: string) => Promise<void>; summaries: string[]; perWindow?: number; windowMs?: number; leaseMs?: number; track?: boolean }) {
      const store = await openStore(db.url, { instanceId });
      stores.push(store);
      const r = new ReminderRunner({
        jobs: store.reminderJobs,
        budget: store.rateGrants,
        reminders: new ReminderStore(store.audit),
        sendDirectMessage: (id) => o.send(id),
        postSummary: (chatId, text) => {
          o.summaries.push(`${chatId}: ${text}`);
          return Promise.resolve();
        },
        perWindow: o.perWindow ?? 1000,
        windowMs: o.windowMs ?? 60_000,
        intervalDays: 30,
        instanceId,
        leaseMs: o.leaseMs ?? 60_000,
        pollMs: 50,
        logger: silent,
      });
      if (o.track !== false) runners.push(r);
      return { r, store };
    }

    it('a batch stopped mid-way, then its instance dead mid-send, is finished by a restarted instance: one message per person, one summary', async () => {
      const calls: Array<{ instance: string; id: string }> = [];
      const summaries: string[] = [];
      const batch = people(12);

      // Instance A sends three, then is stopped (SIGTERM): the rest stays queued.
      let a: ReminderRunner | undefined;
      let stopA: Promise<void> | undefined;
      ({ r: a } = await runner('a', {
        summaries,
        track: false,
        send: (id) => {
          calls.push({ instance: 'a', id });
          if (calls.length === 3) stopA = a!.stop();
          return Promise.resolve();
        },
      }));
      await a.enqueue('chat-1', 'admin-1', batch);
      a.start();
      await waitUntil(() => (stopA ? true : undefined), 'instance a to be stopped after three', 10_000);
      await stopA;
      expect(calls).toHaveLength(3);

      // Instance B dies while posting the next one (the post never answers; its lease is short).
      const { r: b, store: bStore } = await runner('b', {
        summaries,
        track: false,
        leaseMs: 300,
        send: (id) => {
          calls.push({ instance: 'b', id });
          return new Promise<void>(() => {});
        },
      });
      b.start();
      await waitUntil(() => (calls.length === 4 ? true : undefined), 'instance b to start a post', 10_000);
      expect(await bStore.reminderJobs.unfinished()).toBe(9);

      // Instance C (a restart) finishes the rest, and counts the one B had started as sent.
      (await runner('c', { summaries, send: (id) => (calls.push({ instance: 'c', id }), Promise.resolve()) })).r.start();
      await waitUntil(() => summaries[0], () => `the summary (calls: ${calls.length})`, 15_000);
      expect(calls.map((c) => c.id).sort()).toEqual(batch.map((p) => p.id).sort());
      expect(calls.filter((c) => c.instance === 'c')).toHaveLength(8);
      expect(summaries).toEqual(['chat-1: Reminders done: sent 12.']);
      expect(await bStore.reminderJobs.unfinished()).toBe(0);
    });

    it('two instances together keep to the deployment-wide rate', async () => {
      const calls: Array<{ instance: string; id: string }> = [];
      const summaries: string[] = [];
      const perWindow = 3;
      const windowMs = 400;
      const batch = people(9);
      const a = await runner('a', { summaries, perWindow, windowMs, send: (id) => (calls.push({ instance: 'a', id }), Promise.resolve()) });
      const b = await runner('b', { summaries, perWindow, windowMs, send: (id) => (calls.push({ instance: 'b', id }), Promise.resolve()) });
      await a.r.enqueue('chat-2', 'admin-1', batch);
      a.r.start();
      b.r.start();
      await waitUntil(() => summaries[0], () => `the summary (calls: ${calls.length})`, 20_000);
      expect(calls.map((c) => c.id).sort()).toEqual(batch.map((p) => p.id).sort());
      expect(summaries).toEqual(['chat-2: Reminders done: sent 9.']);
      const grants = await a.store.rateGrants.list(REMINDER_BUDGET_KEY);
      expect(grants.reduce((n, g) => n + g.count, 0)).toBe(9);
      for (const g of grants) {
        const inWindow = grants.filter((h) => h.grantedAt >= g.grantedAt && h.grantedAt < g.grantedAt + windowMs);
        expect(inWindow.reduce((n, h) => n + h.count, 0)).toBeLessThanOrEqual(perWindow);
      }
    });

    it('a shared budget: concurrent takes from two stores never exceed the limit', async () => {
      const a = await openStore(db.url, { instanceId: 'x' });
      const b = await openStore(db.url, { instanceId: 'y' });
      stores.push(a, b);
      const now = Date.now();
      const takes = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).rateGrants.take('bot|Medium', 4, 40, 60_000, 1_000, now)));
      expect(takes.reduce((n, t) => n + t.granted, 0)).toBe(40);
      const refused = takes.filter((t) => t.granted === 0);
      expect(refused.length).toBeGreaterThan(0);
      for (const t of refused) expect(t.retryAt).toBe(now + 61_001);
      expect(await b.rateGrants.used('bot|Medium', 60_000, 1_000, now + 60_999)).toBe(40);
      expect(await b.rateGrants.used('bot|Medium', 60_000, 1_000, now + 61_000)).toBe(0);
    });
  });
}
