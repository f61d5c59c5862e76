import type { AuditStore } from '../store/store.ts';
import type { AuditReport, AuditTrendPoint, PreviousAudit } from './audit-types.ts';

/** A stored audit: the summary plus the ids without a photo. */
export interface StoredAudit extends PreviousAudit {
  id: number;
  finishedAt: string;
  durationMs: number;
  apiCalls: number;
  extensions: number;
  withPhoto: number;
  withoutPhoto: number;
  filter: { types: string[]; statuses: string[] };
}

/**
 * Every audit run kept in the store (table `audit_history`), so the next audit can say who is
 * newly missing and who fixed theirs, and the card can show a trend. Keeps the newest `keep`
 * runs (default 200); older ones are deleted on save.
 */
export class AuditHistory {
  private readonly keep: number;

  /** In: the store's audit tables; `keep` ≥ 1. */
  constructor(private readonly store: AuditStore, options: { keep?: number } = {}) {
    this.keep = Math.max(1, options.keep ?? 200);
  }

  /** Store one report; returns its row id. Prunes runs beyond `keep`. */
  async save(report: AuditReport): Promise<number> {
    return this.store.saveAudit(
      {
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        durationMs: report.durationMs,
        apiCalls: report.apiCalls,
        extensions: report.totals.extensions,
        withPhoto: report.totals.withPhoto,
        withoutPhoto: report.totals.withoutPhoto,
        shareWithPhoto: report.shareWithPhoto,
        filter: report.filter,
        missingIds: report.withoutPhoto.map((person) => person.id),
      },
      this.keep,
    );
  }

  /** The newest stored audit (usable as `previous` for runAudit), or undefined. */
  async latest(): Promise<StoredAudit | undefined> {
    const [row] = await this.store.recentAudits(1);
    return row ? { ...row, filter: row.filter as StoredAudit['filter'] } : undefined;
  }

  /** Summaries of the newest `limit` audits, oldest first (no id lists). */
  async trend(limit: number): Promise<AuditTrendPoint[]> {
    const rows = await this.store.recentAudits(limit);
    return rows.reverse().map((row) => ({
      startedAt: row.startedAt,
      shareWithPhoto: row.shareWithPhoto,
      withoutPhoto: row.withoutPhoto,
      extensions: row.extensions,
    }));
  }
}
