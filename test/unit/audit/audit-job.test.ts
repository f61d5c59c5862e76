import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditHistory } from '../../../src/audit/audit-history.ts';
import { runRecordedAudit } from '../../../src/audit/audit-job.ts';
import type { ListExtensionsPage } from '../../../src/audit/audit-types.ts';
import { openSqliteStoreForTest } from '../../helpers/temp-database.ts';
import { fakeListExtensionsPage, makeExtension, makeUsers } from './extension-fixtures.ts';

const stores: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) await s.close();
});
async function history() {
  return new AuditHistory((await openSqliteStoreForTest(':memory:', stores)).audit);
}

describe('runRecordedAudit', () => {
  it('stores each run; the second shows who fixed theirs and the trend', async () => {
    const h = await history();
    const people = (photos: number[]) =>
      [1, 2, 3, 4, 5].map((id) => makeExtension({ id, firstName: `P${id}`, lastName: 'X', hasPhoto: photos.includes(id) }));
    const first = await runRecordedAudit({ listExtensionsPage: fakeListExtensionsPage(people([1])), history: h });
    expect(first.report.change).toBeUndefined();
    expect(first.csv).toBeUndefined();
    const second = await runRecordedAudit({ listExtensionsPage: fakeListExtensionsPage(people([1, 2, 3])), history: h });
    expect(second.historyId).toBeGreaterThan(first.historyId);
    expect(second.report.change?.fixed.map((p) => p.id)).toEqual(['2', '3']);
    expect(second.text).toContain('2 fixed, 0 newly missing');
    const texts = second.card.body.map((e) => String(e.text ?? ''));
    expect(texts.some((t) => t === 'Last 2 audits: 20% → 60%')).toBe(true);
  });

  it('adds a CSV (all people, BOM) when more are missing than the card lists', async () => {
    const result = await runRecordedAudit({ listExtensionsPage: fakeListExtensionsPage(makeUsers(60, 2)), history: await history(), maxNames: 20 });
    expect(result.report.withoutPhoto).toHaveLength(30);
    expect(result.csv?.fileName).toMatch(/^missing-profile-photos-\d{4}-\d{2}-\d{2}\.csv$/);
    expect([...result.csv!.content.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parse(result.csv!.content, { bom: true, columns: true })).toHaveLength(30);
  });

  it('throttles progress text and skips it for the last page', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T09:00:00Z') });
    const inner = fakeListExtensionsPage(makeUsers(10_000, 2));
    // each page takes 2 s of (fake) time
    const slow: ListExtensionsPage = async (params) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return inner(params);
    };
    const texts: string[] = [];
    const done = runRecordedAudit({
      listExtensionsPage: slow,
      history: await history(),
      progressIntervalMs: 5_000,
      onProgressText: (t) => void texts.push(t),
    });
    await vi.advanceTimersByTimeAsync(25_000);
    await done;
    // pages end at 2,4,…,20 s; progress at ≥5 s apart: after pages 3 (6 s), 6 (12 s), 9 (18 s); page 10 is last
    expect(texts).toEqual([
      'Checked 3,000 of 10,000 extensions…',
      'Checked 6,000 of 10,000 extensions…',
      'Checked 9,000 of 10,000 extensions…',
    ]);
  });

  it('stores nothing when the audit fails', async () => {
    const h = await history();
    await expect(
      runRecordedAudit({
        listExtensionsPage: async () => {
          throw new Error('CMN-301');
        },
        history: h,
      }),
    ).rejects.toThrow('CMN-301');
    expect(await h.latest()).toBeUndefined();
  });
});
