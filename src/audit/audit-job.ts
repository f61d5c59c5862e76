import { runAudit } from './run-audit.ts';
import { auditReportCard, auditReportCsv, formatAuditProgress, formatAuditSummary, type AdaptiveCard } from './audit-report.ts';
import type { AuditHistory } from './audit-history.ts';
import type { AuditFilter, AuditProgress, AuditReport, ListExtensionsPage } from './audit-types.ts';

export interface RecordedAuditOptions {
  listExtensionsPage: ListExtensionsPage;
  /** Where runs are kept; the latest one is the baseline for "change since". */
  history: AuditHistory;
  filter?: Partial<AuditFilter> | undefined;
  /**
   * Progress text for the post a long audit keeps editing ("Checked 3,000 of 10,000
   * extensions…"). Called at most once per `progressIntervalMs`, never for the last page
   * (the result replaces it), so edits don't eat the rate budget the list itself needs.
   */
  onProgressText?: ((text: string) => void | Promise<void>) | undefined;
  /** Called after every page (a durable job records it in the store). */
  onPage?: ((progress: AuditProgress) => void) | undefined;
  /** Minimum time between progress calls, ms (default 5,000). */
  progressIntervalMs?: number | undefined;
  /** IANA zone for dates in the card and text (AUDIT_TIMEZONE; default UTC). */
  timeZone?: string | undefined;
  /** Names on the card (default 20); with more people a CSV is produced. */
  maxNames?: number | undefined;
  /** Earlier audits shown in the trend line (default 5). */
  trendLength?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What a chat reply or a scheduled post needs. */
export interface RecordedAudit {
  report: AuditReport;
  /** Row id in `audit_history`. */
  historyId: number;
  card: AdaptiveCard;
  text: string;
  /** Present when more people are missing than the card lists. UTF-8 with BOM. */
  csv?: { fileName: string; contentType: 'text/csv'; content: Buffer } | undefined;
}

/**
 * One audit as the chat command and the scheduled job run it: compare with the latest
 * stored audit, store this one, and build the card (with trend), the text summary and, when
 * needed, the CSV file. In: {@link RecordedAuditOptions}. Throws what `runAudit` throws
 * (nothing is stored then).
 */
export async function runRecordedAudit(options: RecordedAuditOptions): Promise<RecordedAudit> {
  const maxNames = options.maxNames ?? 20;
  const previous = await options.history.latest();
  const trend = await options.history.trend(options.trendLength ?? 5);
  const interval = options.progressIntervalMs ?? 5_000;
  let lastProgressAt = Date.now();

  const report = await runAudit({
    listExtensionsPage: options.listExtensionsPage,
    filter: options.filter,
    previous,
    signal: options.signal,
    onProgress: options.onProgressText || options.onPage
      ? async (progress) => {
          options.onPage?.(progress);
          if (!options.onProgressText) return;
          const isLast = progress.totalPages !== undefined && progress.page >= progress.totalPages;
          if (isLast || Date.now() - lastProgressAt < interval) return;
          lastProgressAt = Date.now();
          await options.onProgressText!(formatAuditProgress(progress));
        }
      : undefined,
  });
  const historyId = await options.history.save(report);
  const csvNeeded = report.withoutPhoto.length > maxNames;
  const card = auditReportCard(report, {
    maxNames,
    trend,
    csvAttached: csvNeeded,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
  return {
    report,
    historyId,
    card,
    text: formatAuditSummary(report, options.timeZone ? { timeZone: options.timeZone } : {}),
    csv: csvNeeded
      ? {
          fileName: `missing-profile-photos-${report.startedAt.slice(0, 10)}.csv`,
          contentType: 'text/csv',
          content: Buffer.from(auditReportCsv(report.withoutPhoto), 'utf8'),
        }
      : undefined,
  };
}
