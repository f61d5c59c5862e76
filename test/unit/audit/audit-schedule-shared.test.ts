/**
 * The scheduled audit across instances: two schedules over two stores on one database (one
 * SQLite file, one PostgreSQL database) run each scheduled time once, and a time missed
 * while every instance was down is made up once, not once per instance.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreAuditRunLedger } from '../../../src/audit/audit-run-ledger.ts';
import { AuditSchedule, type AuditTriggerOutcome } from '../../../src/audit/audit-schedule.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';

const havePostgres = await postgresForTests();

interface Backend {
  name: string;
  skip: boolean;
  url(): Promise<{ url: string; cleanup: () => Promise<void> | void }>;
}

const backends: Backend[] = [
  { name: 'one SQLite file', skip: false, url: () => Promise.resolve(tempDatabase()) },
  { name: 'one PostgreSQL database', skip: !havePostgres, url: () => tempPostgresDatabase() },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`scheduled audit over two stores on ${backend.name}`, () => {
    let db: { url: string; cleanup: () => Promise<void> | void };
    const stores: Store[] = [];
    beforeAll(async () => {
      db = await backend.url();
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
    });
    afterAll(async () => {
      await db.cleanup();
    });

    async function instances(runs: Array<{ instance: string; scheduledAt: string; reason: string }>) {
      const made: AuditSchedule[] = [];
      for (const instance of ['a', 'b']) {
        const store = await openStore(db.url, { instanceId: instance });
        stores.push(store);
        made.push(
          new AuditSchedule({
            cron: '0 9 * * *',
            timezone: 'UTC',
            ledger: new StoreAuditRunLedger(store.audit),
            instanceId: instance,
            run: async ({ scheduledAt, reason }) => {
              runs.push({ instance, scheduledAt: scheduledAt.toISOString(), reason });
              await new Promise((resolve) => setImmediate(resolve));
            },
          }),
        );
      }
      return { a: made[0]!, b: made[1]!, ledger: new StoreAuditRunLedger(stores[0]!.audit) };
    }

    it('a fire missed while both were down is made up once; each later fire runs once', async () => {
      const runs: Array<{ instance: string; scheduledAt: string; reason: string }> = [];
      const { a, b, ledger } = await instances(runs);
      await ledger.claimRun(new Date('2026-11-25T09:00:00Z'), 'before-the-outage');
      const now = new Date('2026-11-28T10:00:00Z'); // down for three days

      const first = await Promise.all([a.checkMissed({ now, graceMs: 0 }), b.checkMissed({ now, graceMs: 0 })]);
      expect(first.filter((o) => o === 'ran')).toHaveLength(1);
      expect(first.filter((o) => o !== 'ran').every((o) => o === 'not-claimed' || o === 'nothing-due')).toBe(true);
      expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([['2026-11-28T09:00:00.000Z', 'make-up']]);

      // the make-up check once a minute afterwards: nothing more on either instance
      const later = new Date('2026-11-28T10:05:00Z');
      expect(await Promise.all([a.checkMissed({ now: later }), b.checkMissed({ now: later })])).toEqual(['nothing-due', 'nothing-due']);

      // node-cron fires on both at the next time: one runs it
      const fire = new Date('2026-11-29T09:00:00Z');
      const fired: AuditTriggerOutcome[] = await Promise.all([a.trigger(fire, 'scheduled'), b.trigger(fire, 'scheduled')]);
      expect([...fired].sort()).toEqual(['not-claimed', 'ran']);
      // and the make-up check right after does not run it again anywhere
      const after = new Date('2026-11-29T09:01:00Z');
      expect(await Promise.all([a.checkMissed({ now: after, graceMs: 0 }), b.checkMissed({ now: after, graceMs: 0 })])).toEqual([
        'nothing-due',
        'nothing-due',
      ]);

      expect(runs.map((r) => r.scheduledAt)).toEqual(['2026-11-28T09:00:00.000Z', '2026-11-29T09:00:00.000Z']);
      const ledgerRuns = await ledger.recentRuns(10);
      expect(ledgerRuns.map((r) => [r.scheduledAt.toISOString(), r.outcome])).toEqual([
        ['2026-11-29T09:00:00.000Z', 'ok'],
        ['2026-11-28T09:00:00.000Z', 'ok'],
        ['2026-11-25T09:00:00.000Z', undefined],
      ]);
    });

    it('twenty racing claims per time over both stores: one winner each', async () => {
      const runs: Array<{ instance: string; scheduledAt: string; reason: string }> = [];
      await instances(runs);
      const ledgers = stores.map((s) => new StoreAuditRunLedger(s.audit));
      const slots = Array.from({ length: 20 }, (_, i) => new Date(Date.UTC(2027, 0, 1 + i, 9)));
      const claims = await Promise.all(
        slots.flatMap((slot) =>
          [0, 1, 2, 3].map((i) => ledgers[i % 2]!.claimRun(slot, `i${i}`).then((won) => ({ at: slot.getTime(), won }))),
        ),
      );
      for (const slot of slots) expect(claims.filter((c) => c.at === slot.getTime() && c.won)).toHaveLength(1);
    });
  });
}
