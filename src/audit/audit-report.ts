import { stringify } from 'csv-stringify/sync';
import type { AuditPerson, AuditProgress, AuditReport, AuditTrendPoint } from './audit-types.ts';

const countFormat = new Intl.NumberFormat('en-US');

/** `12345` → `"12,345"`. */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** Share 0..1 → `"81.2%"` (one decimal; `"100%"`/`"0%"` at the ends). */
export function formatShare(share: number): string {
  const pct = Math.round(share * 1000) / 10;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

function formatWhen(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: timeZone ?? 'UTC',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Progress line for the post a long audit keeps editing.
 * In: {@link AuditProgress}. Out: e.g. `"Checked 3,000 of 10,000 extensions…"`, or
 * `"Checked 3,000 extensions…"` when the total is unknown.
 */
export function formatAuditProgress(progress: AuditProgress): string {
  if (progress.total !== undefined && progress.total >= progress.checked) {
    return `Checked ${formatCount(progress.checked)} of ${formatCount(progress.total)} extensions…`;
  }
  return `Checked ${formatCount(progress.checked)} extensions…`;
}

/** Percentage-point difference, e.g. `"+1.5 points"`. */
function formatPoints(delta: number): string {
  const pts = Math.round(delta * 1000) / 10;
  const sign = pts > 0 ? '+' : pts < 0 ? '−' : '±';
  return `${sign}${Math.abs(pts).toFixed(1)} points`;
}

/** One sentence on the change since the previous audit, or undefined when there was none. */
export function formatAuditChange(report: AuditReport, timeZone?: string): string | undefined {
  const change = report.change;
  if (!change) return undefined;
  return (
    `Since the last audit (${formatWhen(change.previousStartedAt, timeZone)}): ` +
    `${formatCount(change.fixed.length)} fixed, ${formatCount(change.newlyMissing.length)} newly missing; ` +
    `share with a photo ${formatShare(change.previousShareWithPhoto)} → ${formatShare(report.shareWithPhoto)} ` +
    `(${formatPoints(report.shareWithPhoto - change.previousShareWithPhoto)}).`
  );
}

/**
 * Plain-text summary of an audit (for logs, the CLI and text-only replies).
 * In: the report and optionally the IANA time zone for dates (default UTC).
 * Out: a few lines of text, no trailing newline.
 */
export function formatAuditSummary(report: AuditReport, options: { timeZone?: string } = {}): string {
  const { extensions, withPhoto, withoutPhoto } = report.totals;
  const lines = [
    `Profile photo audit: ${formatCount(withPhoto)} of ${plural(extensions, 'extension', 'extensions')} ` +
      `(${formatShare(report.shareWithPhoto)}) have a photo; ${formatCount(withoutPhoto)} don't.`,
  ];
  const change = formatAuditChange(report, options.timeZone);
  if (change) lines.push(change);
  lines.push(
    `Checked ${report.filter.types.join(', ')} extensions with status ${report.filter.statuses.join(', ')} ` +
      `in ${(report.durationMs / 1000).toFixed(1)} s with ${plural(report.apiCalls, 'API call', 'API calls')}.`,
  );
  return lines.join('\n');
}

/** Minimal Adaptive Card 1.3 shapes used here (RingCentral implements 1.3, docs/ringcentral-notes.md §6). */
export interface AdaptiveCardElement {
  type: string;
  [key: string]: unknown;
}
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.3';
  body: AdaptiveCardElement[];
  actions?: AdaptiveCardElement[];
  fallbackText?: string;
}

export interface AuditCardOptions {
  /** Names listed on the card (default 20). */
  maxNames?: number;
  /** Earlier audits, oldest first, for the trend line (the current one is appended). */
  trend?: AuditTrendPoint[];
  /** IANA time zone for dates (default UTC). */
  timeZone?: string;
  /** Say that the full list is in an attached CSV file (when there are more than maxNames). */
  csvAttached?: boolean;
}

function textBlock(text: string, extra: Record<string, unknown> = {}): AdaptiveCardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

/**
 * The audit as an Adaptive Card (version 1.3, docs/ringcentral-notes.md §6): a summary fact set, the share
 * with a photo, the first `maxNames` people without a photo (name → extension number and
 * email), and the trend (change since the previous audit plus recent shares).
 * In: report and {@link AuditCardOptions}. Out: a plain JSON object ready to post.
 */
export function auditReportCard(report: AuditReport, options: AuditCardOptions = {}): AdaptiveCard {
  const maxNames = options.maxNames ?? 20;
  const { extensions, withPhoto, withoutPhoto, skipped } = report.totals;
  const facts: { title: string; value: string }[] = [
    { title: 'Extensions checked', value: formatCount(extensions) },
    { title: 'With a photo', value: formatCount(withPhoto) },
    { title: 'Without a photo', value: formatCount(withoutPhoto) },
    { title: 'Share with a photo', value: formatShare(report.shareWithPhoto) },
  ];
  if (report.change) {
    facts.push({ title: 'Fixed since last audit', value: formatCount(report.change.fixed.length) });
    facts.push({ title: 'Newly missing', value: formatCount(report.change.newlyMissing.length) });
  }
  if (skipped > 0) facts.push({ title: 'Left out (type/status)', value: formatCount(skipped) });

  const body: AdaptiveCardElement[] = [
    textBlock('Profile photo audit', { size: 'Large', weight: 'Bolder' }),
    textBlock(
      `${formatShare(report.shareWithPhoto)} of people have a profile photo ` +
        `(${report.filter.types.join(', ')}; ${report.filter.statuses.join(', ')}).`,
      { size: 'Medium' },
    ),
    { type: 'FactSet', facts },
  ];

  const changeText = formatAuditChange(report, options.timeZone);
  const trend = options.trend ?? [];
  if (changeText || trend.length > 0) {
    body.push(textBlock('Trend', { weight: 'Bolder', spacing: 'Medium' }));
    if (changeText) body.push(textBlock(changeText));
    if (trend.length > 0) {
      const shares = [...trend.map((point) => point.shareWithPhoto), report.shareWithPhoto].map(formatShare);
      body.push(textBlock(`Last ${shares.length} audits: ${shares.join(' → ')}`, { isSubtle: true }));
    }
  }

  if (report.withoutPhoto.length > 0) {
    const shown = report.withoutPhoto.slice(0, maxNames);
    body.push(
      textBlock(
        report.withoutPhoto.length > shown.length
          ? `Without a photo (first ${formatCount(shown.length)} of ${formatCount(report.withoutPhoto.length)})`
          : 'Without a photo',
        { weight: 'Bolder', spacing: 'Medium' },
      ),
    );
    body.push({
      type: 'FactSet',
      facts: shown.map((person) => ({
        title: person.name,
        value: [person.extensionNumber ? `ext. ${person.extensionNumber}` : undefined, person.email, person.department]
          .filter(Boolean)
          .join(' · ') || '—',
      })),
    });
    if (report.withoutPhoto.length > shown.length) {
      const rest = report.withoutPhoto.length - shown.length;
      body.push(
        textBlock(
          `…and ${plural(rest, 'more person', 'more people')}` +
            (options.csvAttached ? '; the full list is in the attached CSV file.' : '.'),
          { isSubtle: true },
        ),
      );
    }
  } else {
    body.push(textBlock('Everyone in the audited set has a profile photo. 🎉', { spacing: 'Medium' }));
  }

  body.push(
    textBlock(
      `Audit of ${formatWhen(report.startedAt, options.timeZone)} · ${(report.durationMs / 1000).toFixed(1)} s · ` +
        `${plural(report.apiCalls, 'API call', 'API calls')}`,
      { isSubtle: true, size: 'Small', spacing: 'Medium' },
    ),
  );

  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    body,
    fallbackText: formatAuditSummary(report, options.timeZone ? { timeZone: options.timeZone } : {}),
  };
}

/** CSV column headers, in order. */
export const AUDIT_CSV_COLUMNS = ['Extension id', 'Name', 'Extension number', 'Email', 'Department'] as const;

/**
 * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula; names
 * come from people, so such a cell gets a leading apostrophe (OWASP "CSV injection").
 */
function neutraliseFormula(value: string | undefined): string {
  if (!value) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The people without a photo as CSV: a header row ({@link AUDIT_CSV_COLUMNS}), one row per
 * person, every field quoted, CRLF line ends (RFC 4180), UTF-8 with a byte-order mark so
 * spreadsheet programs read non-ASCII names right. Uses csv-stringify.
 * In: people. Out: the CSV text, starting with U+FEFF; write it as UTF-8.
 */
export function auditReportCsv(people: readonly AuditPerson[]): string {
  return stringify(
    people.map((person) => [
      person.id,
      neutraliseFormula(person.name),
      person.extensionNumber ?? '',
      neutraliseFormula(person.email),
      neutraliseFormula(person.department),
    ]),
    {
      bom: true,
      header: true,
      columns: [...AUDIT_CSV_COLUMNS],
      quoted: true,
      quoted_empty: true,
      record_delimiter: 'windows',
    },
  );
}
