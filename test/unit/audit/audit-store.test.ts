import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreAuditRunLedger } from '../../../src/audit/audit-run-ledger.ts';
import { AuditHistory } from '../../../src/audit/audit-history.ts';
import { runAudit } from '../../../src/audit/run-audit.ts';
import { openSqliteStoreForTest } from '../../helpers/temp-database.ts';
import { fakeListExtensionsPage, makeExtension } from './extension-fixtures.ts';

let dir: string;
const open: Array<{ close(): Promise<void> }> = [];
async function openDb(file: string) {
  return (await openSqliteStoreForTest(file, open)).audit;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-store-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StoreAuditRunLedger', () => {
  it('gives exactly one claim per scheduled time across two connections to one file', async () => {
    const file = path.join(dir, 'bot.sqlite');
    const a = new StoreAuditRunLedger(await openDb(file));
    const b = new StoreAuditRunLedger(await openDb(file));
    const slot = new Date('2026-11-30T09:00:00.000Z');

    const results = await Promise.all([a.claimRun(slot, 'instance-a'), b.claimRun(slot, 'instance-b')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claimRun(slot, 'instance-a')).toBe(false);
    expect(await b.claimRun(slot, 'instance-b')).toBe(false);

    const runs = await b.recentRuns(10);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.instanceId).toBe(results[0] ? 'instance-a' : 'instance-b');

    // the next scheduled time is a new claim
    const next = new Date('2026-12-01T09:00:00.000Z');
    expect(await b.claimRun(next, 'instance-b')).toBe(true);
    expect(await a.claimRun(next, 'instance-a')).toBe(false);
    expect(await a.lastRun()).toEqual(next);
  });

  it('many claims racing over four connections: one winner per time', async () => {
    const file = path.join(dir, 'bot.sqlite');
    const ledgers = await Promise.all([0, 1, 2, 3].map(async () => new StoreAuditRunLedger(await openDb(file))));
    const slots = Array.from({ length: 50 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i, 9)));
    const claims = await Promise.all(
      slots.flatMap((slot) => ledgers.map((ledger, i) => ledger.claimRun(slot, `i${i}`).then((won) => ({ slot, won })))),
    );
    for (const slot of slots) {
      expect(claims.filter((c) => c.slot === slot && c.won)).toHaveLength(1);
    }
    expect((await ledgers[0]!.recentRuns(100)).length).toBe(50);
  });

  it('records the outcome and reports no last run when empty', async () => {
    const ledger = new StoreAuditRunLedger(await openDb(':memory:'));
    expect(await ledger.lastRun()).toBeUndefined();
    const slot = new Date('2026-11-30T09:00:00.000Z');
    await ledger.claimRun(slot, 'x');
    await ledger.finishRun(slot, 'failed', 'CMN-301 Request rate exceeded');
    const [run] = await ledger.recentRuns(1);
    expect(run).toMatchObject({ scheduledAt: slot, instanceId: 'x', outcome: 'failed', error: 'CMN-301 Request rate exceeded' });
    expect(run!.finishedAt).toBeInstanceOf(Date);
  });
});

describe('AuditHistory', () => {
  it('stores each run and hands the latest back as `previous` for the next audit', async () => {
    const db = await openDb(path.join(dir, 'bot.sqlite'));
    const history = new AuditHistory(db);
    expect(await history.latest()).toBeUndefined();

    const people = (photos: number[]) =>
      [1, 2, 3, 4].map((id) => makeExtension({ id, firstName: `P${id}`, lastName: 'X', hasPhoto: photos.includes(id) }));
    const first = await runAudit({ listExtensionsPage: fakeListExtensionsPage(people([1])) });
    await history.save(first);
    const previous = await history.latest();
    expect(previous).toMatchObject({ missingIds: ['2', '3', '4'], shareWithPhoto: 0.25, extensions: 4, withoutPhoto: 3 });

    // two people set photos
    const second = await runAudit({ listExtensionsPage: fakeListExtensionsPage(people([1, 2, 3])), previous });
    expect(second.change?.fixed.map((p) => p.id)).toEqual(['2', '3']);
    expect(second.change?.newlyMissing).toEqual([]);
    await history.save(second);

    // survives reopening the file through another connection
    const again = new AuditHistory(await openDb(path.join(dir, 'bot.sqlite')));
    expect((await again.latest())?.missingIds).toEqual(['4']);
    expect((await again.trend(10)).map((p) => p.shareWithPhoto)).toEqual([0.25, 0.75]);
  });

  it('keeps only the newest runs', async () => {
    const history = new AuditHistory(await openDb(':memory:'), { keep: 3 });
    for (let i = 1; i <= 5; i++) {
      const report = await runAudit({
        listExtensionsPage: fakeListExtensionsPage(
          Array.from({ length: 5 }, (_, k) => makeExtension({ id: k + 1, firstName: 'A', lastName: String(k), hasPhoto: k < i })),
        ),
      });
      await history.save(report);
    }
    const trend = await history.trend(10);
    expect(trend.map((p) => p.shareWithPhoto)).toEqual([0.6, 0.8, 1]);
  });
});
