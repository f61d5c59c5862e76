import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasProfileImage } from '../../../src/audit/has-profile-image.ts';
import { AUDIT_PAGE_SIZE, runAudit } from '../../../src/audit/run-audit.ts';
import type { ExtensionRecord, ListExtensionsPageResult } from '../../../src/audit/audit-types.ts';
import { fakeListExtensionsPage, makeExtension, makeUsers } from './extension-fixtures.ts';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const samplePath = path.resolve(projectRoot, '../shared/ringcentral/samples/rest-list-extensions-with-profile-image.json');
const haveSample = existsSync(samplePath);

describe.skipIf(!haveSample)(
  `classification on RingCentral's official list example (needs ${samplePath})`,
  () => {
    const sample = (haveSample ? JSON.parse(readFileSync(samplePath, 'utf8')) : { records: [] }) as ListExtensionsPageResult;

    it('a record with only profileImage.uri has no photo; one with etag/lastModified/scales has one', () => {
      const byName = new Map(sample.records.map((r) => [r.name, r]));
      const bob = byName.get('Bob Johnson');
      const alice = byName.get('Alice Smith');
      expect(bob && Object.keys(bob.profileImage ?? {})).toEqual(['uri']);
      expect(hasProfileImage(bob?.profileImage)).toBe(false);
      expect(alice?.profileImage?.etag).toBeTruthy();
      expect(hasProfileImage(alice?.profileImage)).toBe(true);
    });

    it('runAudit on the example reports Bob only, from one list call', async () => {
      const list = fakeListExtensionsPage(sample.records);
      const report = await runAudit({ listExtensionsPage: list });
      expect(report.apiCalls).toBe(1);
      expect(report.totals).toEqual({ extensions: 2, withPhoto: 1, withoutPhoto: 1, skipped: 0 });
      expect(report.shareWithPhoto).toBe(0.5);
      expect(report.withoutPhoto).toEqual([
        { id: '401864056008', name: 'Bob Johnson', extensionNumber: '102', email: 'bob.johnson@example.com', department: undefined },
      ]);
    });
  },
);

describe('hasProfileImage', () => {
  it('handles absent, bare and partial objects', () => {
    expect(hasProfileImage(undefined)).toBe(false);
    expect(hasProfileImage(null)).toBe(false);
    expect(hasProfileImage({})).toBe(false);
    expect(hasProfileImage({ uri: 'https://media.example.test/x/profile-image' })).toBe(false);
    expect(hasProfileImage({ uri: 'u', scales: [] })).toBe(false);
    expect(hasProfileImage({ uri: 'u', etag: 'abc' })).toBe(true);
    expect(hasProfileImage({ uri: 'u', lastModified: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(hasProfileImage({ uri: 'u', contentType: 'image/png' })).toBe(true);
    expect(hasProfileImage({ uri: 'u', scales: [{ uri: 'u/90x90' }] })).toBe(true);
  });
});

describe('runAudit paging', () => {
  it('reads 2,500 users in 3 calls of perPage=1000 and reports exactly the ones without a photo', async () => {
    const users = makeUsers(2500, 3);
    const list = fakeListExtensionsPage(users);
    const report = await runAudit({ listExtensionsPage: list });

    expect(list.calls).toEqual([1, 2, 3].map((page) => ({ page, perPage: AUDIT_PAGE_SIZE, type: ['User'], status: ['Enabled'] })));
    expect(report.apiCalls).toBe(3);
    const expectedMissing = users.filter((_, i) => i % 3 !== 0).map((u) => String(u.id));
    expect(report.totals.extensions).toBe(2500);
    expect(report.totals.withPhoto).toBe(2500 - expectedMissing.length);
    expect(report.totals.withoutPhoto).toBe(expectedMissing.length);
    expect(new Set(report.withoutPhoto.map((p) => p.id))).toEqual(new Set(expectedMissing));
    expect(report.shareWithPhoto).toBeCloseTo(834 / 2500, 10);
    expect(report.change).toBeUndefined();
  });

  it('10,000 extensions take 10 list calls, never one per person', async () => {
    const list = fakeListExtensionsPage(makeUsers(10_000, 2));
    const report = await runAudit({ listExtensionsPage: list });
    expect(report.apiCalls).toBe(10);
    expect(list.calls).toHaveLength(10);
    expect(report.totals.withoutPhoto).toBe(5000);
  });

  it('sends the configured type and status filter and leaves out what does not match', async () => {
    const records = [
      makeExtension({ id: 1, firstName: 'Ann', lastName: 'User', hasPhoto: false }),
      makeExtension({ id: 2, firstName: 'Dis', lastName: 'Abled', hasPhoto: false, status: 'Disabled' }),
      makeExtension({ id: 3, firstName: 'Un', lastName: 'Assigned', hasPhoto: false, status: 'Unassigned' }),
      makeExtension({ id: 4, firstName: 'Ro', lastName: 'Bot', hasPhoto: false, type: 'Bot' }),
      makeExtension({ id: 5, firstName: 'Pat', lastName: 'Photo', hasPhoto: true }),
    ];
    // A server that ignores the query: the audit still applies the filter itself.
    const sloppy = fakeListExtensionsPage(records, { honourFilter: false });
    const report = await runAudit({ listExtensionsPage: sloppy });
    expect(report.withoutPhoto.map((p) => p.id)).toEqual(['1']);
    expect(report.totals).toEqual({ extensions: 2, withPhoto: 1, withoutPhoto: 1, skipped: 3 });

    const list = fakeListExtensionsPage(records);
    const wider = await runAudit({ listExtensionsPage: list, filter: { types: ['User', 'Bot'], statuses: ['Enabled', 'Disabled'] } });
    expect(list.calls[0]).toMatchObject({ type: ['User', 'Bot'], status: ['Enabled', 'Disabled'] });
    expect(wider.withoutPhoto.map((p) => p.id).sort()).toEqual(['1', '2', '4']);
  });

  it('follows paging.totalPages when a response has no navigation', async () => {
    const list = fakeListExtensionsPage(makeUsers(2001), { omitNavigation: true });
    const report = await runAudit({ listExtensionsPage: list });
    expect(report.apiCalls).toBe(3);
    expect(report.totals.extensions).toBe(2001);
  });

  it('counts an id seen on two pages once (the list shifted between pages)', async () => {
    const a = makeExtension({ id: 1, firstName: 'A', lastName: 'A', hasPhoto: false });
    const b = makeExtension({ id: 2, firstName: 'B', lastName: 'B', hasPhoto: true });
    const pages: ListExtensionsPageResult[] = [
      { records: [a, b], navigation: { nextPage: { uri: 'next' } }, paging: { perPage: 1000, totalElements: 3 } },
      { records: [b, makeExtension({ id: 3, firstName: 'C', lastName: 'C', hasPhoto: false })], navigation: {} },
    ];
    let call = 0;
    const report = await runAudit({ listExtensionsPage: async () => pages[call++]! });
    expect(report.apiCalls).toBe(2);
    expect(report.totals).toMatchObject({ extensions: 3, withPhoto: 1, withoutPhoto: 2 });
  });

  it('stops on an empty page even if nextPage is (wrongly) present', async () => {
    let calls = 0;
    const report = await runAudit({
      listExtensionsPage: async () => {
        calls++;
        return { records: [], navigation: { nextPage: { uri: 'again' } } };
      },
    });
    expect(calls).toBe(1);
    expect(report.totals.extensions).toBe(0);
    expect(report.shareWithPhoto).toBe(1);
  });

  it('reports progress after every page, with the total from paging', async () => {
    const seen: { checked: number; total?: number | undefined; page: number }[] = [];
    await runAudit({
      listExtensionsPage: fakeListExtensionsPage(makeUsers(2500)),
      onProgress: (p) => {
        seen.push({ checked: p.checked, total: p.total, page: p.page });
        throw new Error('a failing progress edit must not stop the audit');
      },
    });
    expect(seen).toEqual([
      { checked: 1000, total: 2500, page: 1 },
      { checked: 2000, total: 2500, page: 2 },
      { checked: 2500, total: 2500, page: 3 },
    ]);
  });

  it('rejects with the seam error, and stops when aborted', async () => {
    let calls = 0;
    await expect(
      runAudit({
        listExtensionsPage: async () => {
          calls++;
          throw new Error('CMN-301 after retries');
        },
      }),
    ).rejects.toThrow('CMN-301');
    expect(calls).toBe(1);

    const controller = new AbortController();
    const list = fakeListExtensionsPage(makeUsers(3000));
    await expect(
      runAudit({ listExtensionsPage: list, signal: controller.signal, onProgress: () => controller.abort(new Error('shutting down')) }),
    ).rejects.toThrow('shutting down');
    expect(list.calls).toHaveLength(1);
  });

  it('sorts people by name and fills name, extension number, email and department', async () => {
    const records: ExtensionRecord[] = [
      makeExtension({ id: 7, firstName: 'Zoë', lastName: 'Ångström', hasPhoto: false, department: 'R&D', extensionNumber: '207' }),
      makeExtension({ id: 8, firstName: 'adam', lastName: 'Zed', hasPhoto: false }),
    ];
    const report = await runAudit({ listExtensionsPage: fakeListExtensionsPage(records) });
    expect(report.withoutPhoto.map((p) => p.name)).toEqual(['adam Zed', 'Zoë Ångström']);
    expect(report.withoutPhoto[1]).toEqual({
      id: '7',
      name: 'Zoë Ångström',
      extensionNumber: '207',
      email: 'zoë.ångström@example.test',
      department: 'R&D',
    });
  });
});

describe('runAudit change since the previous audit', () => {
  it('lists newly missing, fixed and counts people gone from the set', async () => {
    const records = [
      makeExtension({ id: 1, firstName: 'Fixed', lastName: 'Person', hasPhoto: true }),
      makeExtension({ id: 2, firstName: 'Still', lastName: 'Missing', hasPhoto: false }),
      makeExtension({ id: 4, firstName: 'New', lastName: 'Missing', hasPhoto: false }),
      makeExtension({ id: 5, firstName: 'Always', lastName: 'Fine', hasPhoto: true }),
    ];
    const report = await runAudit({
      listExtensionsPage: fakeListExtensionsPage(records),
      previous: { startedAt: '2026-11-28T09:00:00.000Z', shareWithPhoto: 0.25, missingIds: ['1', '2', '3'] },
    });
    expect(report.change).toEqual({
      previousStartedAt: '2026-11-28T09:00:00.000Z',
      previousShareWithPhoto: 0.25,
      newlyMissing: [expect.objectContaining({ id: '4', name: 'New Missing' })],
      fixed: [expect.objectContaining({ id: '1', name: 'Fixed Person' })],
      goneCount: 1,
    });
    expect(report.shareWithPhoto).toBe(0.5);
  });
});
