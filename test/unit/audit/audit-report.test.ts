import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import {
  AUDIT_CSV_COLUMNS,
  auditReportCard,
  auditReportCsv,
  formatAuditProgress,
  formatAuditSummary,
  formatShare,
} from '../../../src/audit/audit-report.ts';
import { runAudit } from '../../../src/audit/run-audit.ts';
import type { AuditPerson, AuditReport } from '../../../src/audit/audit-types.ts';
import { fakeListExtensionsPage, makeExtension, makeUsers } from './extension-fixtures.ts';

const people: AuditPerson[] = [
  { id: '11', name: 'Zoë Ångström', extensionNumber: '101', email: 'zoe@example.test', department: 'Forschung & Entwicklung' },
  { id: '12', name: 'Smith, "Doc" John', extensionNumber: '102', email: 'doc@example.test' },
  { id: '13', name: '=HYPERLINK("http://evil.test")', extensionNumber: undefined, email: undefined },
  { id: '14', name: '李小龍', extensionNumber: '104', email: 'lee@example.test', department: 'Ops\nNight shift' },
];

describe('auditReportCsv', () => {
  const csv = auditReportCsv(people);

  it('starts with a UTF-8 byte-order mark and uses CRLF line ends', () => {
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.split('\r\n')[0]).toBe('\ufeff' + AUDIT_CSV_COLUMNS.map((c) => `"${c}"`).join(','));
  });

  it('parses back (csv-parse) to a header row plus one row per person, names intact', () => {
    const rows = parse(Buffer.from(csv, 'utf8'), { bom: true }) as string[][];
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + people.length);
    expect(rows[1]).toEqual(['11', 'Zoë Ångström', '101', 'zoe@example.test', 'Forschung & Entwicklung']);
    expect(rows[2]).toEqual(['12', 'Smith, "Doc" John', '102', 'doc@example.test', '']);
    expect(rows[4]).toEqual(['14', '李小龍', '104', 'lee@example.test', 'Ops\nNight shift']);
  });

  it('quotes every field, including empty ones', () => {
    const rows = parse(csv, { bom: true, raw: true, columns: false }) as unknown as { raw: string; record: string[] }[];
    expect(rows).toHaveLength(1 + people.length);
    for (const { raw, record } of rows) {
      // The raw text of each row is exactly its fields, each in quotes (inner quotes doubled).
      const line = raw.replace(/^\n/, '').replace(/\r\n?$/, '');
      expect(line).toBe(record.map((field) => `"${field.replaceAll('"', '""')}"`).join(','));
    }
    expect(csv).toContain('"13","\'=HYPERLINK(""http://evil.test"")","","",""');
  });

  it('gives a formula-looking name a leading apostrophe so spreadsheets do not run it', () => {
    const rows = parse(csv, { bom: true }) as string[][];
    expect(rows[3]?.[1]).toBe(`'=HYPERLINK("http://evil.test")`);
  });

  it('has one row per person for a real audit of 1,500 people', async () => {
    const report = await runAudit({ listExtensionsPage: fakeListExtensionsPage(makeUsers(1500, 4)) });
    const rows = parse(auditReportCsv(report.withoutPhoto), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.totals.withoutPhoto);
    expect(new Set(rows.map((r) => r['Extension id']))).toEqual(new Set(report.withoutPhoto.map((p) => p.id)));
  });
});

async function sampleReport(): Promise<AuditReport> {
  const records = [
    ...makeUsers(30, 1000).slice(1), // 29 without a photo (index 0 of makeUsers has one; dropped)
    makeExtension({ id: 9001, firstName: 'Has', lastName: 'Photo', hasPhoto: true }),
    makeExtension({ id: 9002, firstName: 'Also', lastName: 'Photo', hasPhoto: true }),
  ];
  return runAudit({
    listExtensionsPage: fakeListExtensionsPage(records),
    previous: { startedAt: '2026-11-27T09:00:00.000Z', shareWithPhoto: 0.03, missingIds: ['1001', '9001'] },
  });
}

describe('auditReportCard', () => {
  it('is an Adaptive Card 1.3 with summary, share, first 20 names and the trend', async () => {
    const report = await sampleReport();
    const card = auditReportCard(report, {
      trend: [{ startedAt: '2026-11-26T09:00:00.000Z', shareWithPhoto: 0.02, withoutPhoto: 30, extensions: 31 }],
      csvAttached: true,
    });
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.3');
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);

    const facts = card.body.filter((e) => e.type === 'FactSet') as unknown as { facts: { title: string; value: string }[] }[];
    const summary = Object.fromEntries(facts[0]!.facts.map((f) => [f.title, f.value]));
    expect(summary).toMatchObject({
      'Extensions checked': '31',
      'With a photo': '2',
      'Without a photo': '29',
      'Share with a photo': formatShare(2 / 31),
      'Fixed since last audit': '1',
      'Newly missing': '28',
    });
    const names = facts[1]!.facts.map((f) => f.title);
    expect(names).toHaveLength(20);
    expect(names).toEqual(report.withoutPhoto.slice(0, 20).map((p) => p.name));

    const texts = card.body.filter((e) => e.type === 'TextBlock').map((e) => String(e.text));
    expect(texts).toContain('Trend');
    expect(texts.some((t) => t.includes('1 fixed, 28 newly missing'))).toBe(true);
    expect(texts.some((t) => t.startsWith('Last 2 audits: 2% → 6.5%'))).toBe(true);
    expect(texts.some((t) => t.includes('…and 9 more people; the full list is in the attached CSV file.'))).toBe(true);
    expect(card.fallbackText).toContain('2 of 31 extensions');
  });

  it('says everyone has a photo when nobody is missing, and lists all when few', async () => {
    const all = await runAudit({ listExtensionsPage: fakeListExtensionsPage(makeUsers(3, 1)) });
    const allCard = auditReportCard(all);
    expect(allCard.body.filter((e) => e.type === 'FactSet')).toHaveLength(1);
    expect(allCard.body.some((e) => String(e.text).startsWith('Everyone in the audited set has a profile photo'))).toBe(true);
    expect(allCard.body.some((e) => e.text === 'Trend')).toBe(false);

    const few = await runAudit({ listExtensionsPage: fakeListExtensionsPage(makeUsers(5, 2)) });
    const fewCard = auditReportCard(few, { maxNames: 20 });
    const lists = fewCard.body.filter((e) => e.type === 'FactSet') as unknown as { facts: unknown[] }[];
    expect(lists[1]!.facts).toHaveLength(2);
    expect(fewCard.body.some((e) => String(e.text).includes('more'))).toBe(false);
  });
});

describe('text', () => {
  it('progress reads "Checked 3,000 of 10,000 extensions…"', () => {
    expect(formatAuditProgress({ checked: 3000, total: 10_000, page: 3 })).toBe('Checked 3,000 of 10,000 extensions…');
    expect(formatAuditProgress({ checked: 3000, page: 3 })).toBe('Checked 3,000 extensions…');
  });

  it('summary gives counts, share, change and cost', async () => {
    const report = await sampleReport();
    const text = formatAuditSummary(report);
    expect(text).toContain('Profile photo audit: 2 of 31 extensions (6.5%) have a photo; 29 don\'t.');
    expect(text).toContain('1 fixed, 28 newly missing');
    expect(text).toMatch(/with 1 API call\.$/);
  });

  it('formatShare rounds to one decimal', () => {
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(0.8123)).toBe('81.2%');
  });
});
