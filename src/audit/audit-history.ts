import type BetterSqlite3 from 'better-sqlite3';
import type { AuditReport, AuditTrendPoint, PreviousAudit } from './audit-types.ts';

interface HistoryRow {
  id: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  api_calls: number;
  extensions: number;
  with_photo: number;
  without_photo: number;
  share_with_photo: number;
  filter_json: string;
  missing_ids_json: string;
}

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
 * Every audit run kept in SQLite (table `audit_history`, created if missing), so the next
 * audit can say who is newly missing and who fixed theirs, and the card can show a trend.
 * Takes the bot store's open better-sqlite3 Database. Keeps the newest `keep` runs
 * (default 200); older ones are deleted on save.
 */
export class AuditHistory {
  private readonly keep: number;

  /** In: open Database; `keep` ≥ 1. Throws SqliteError when the schema can't be created. */
  constructor(private readonly db: BetterSqlite3.Database, options: { keep?: number } = {}) {
    this.keep = Math.max(1, options.keep ?? 200);
    db.exec(`CREATE TABLE IF NOT EXISTS audit_history (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at TEXT NOT NULL,
      finished_at TEXT NOT NULL,
      duration_ms INTEGER NOT NULL,
      api_calls INTEGER NOT NULL,
      extensions INTEGER NOT NULL,
      with_photo INTEGER NOT NULL,
      without_photo INTEGER NOT NULL,
      share_with_photo REAL NOT NULL,
      filter_json TEXT NOT NULL,
      missing_ids_json TEXT NOT NULL
    )`);
  }

  /** Store one report; returns its row id. Prunes runs beyond `keep`. */
  async save(report: AuditReport): Promise<number> {
    const insert = this.db.prepare(`INSERT INTO audit_history
      (started_at, finished_at, duration_ms, api_calls, extensions, with_photo, without_photo,
       share_with_photo, filter_json, missing_ids_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const prune = this.db.prepare(
      'DELETE FROM audit_history WHERE id NOT IN (SELECT id FROM audit_history ORDER BY id DESC LIMIT ?)',
    );
    const tx = this.db.transaction(() => {
      const result = insert.run(
        report.startedAt,
        report.finishedAt,
        report.durationMs,
        report.apiCalls,
        report.totals.extensions,
        report.totals.withPhoto,
        report.totals.withoutPhoto,
        report.shareWithPhoto,
        JSON.stringify(report.filter),
        JSON.stringify(report.withoutPhoto.map((person) => person.id)),
      );
      prune.run(this.keep);
      return Number(result.lastInsertRowid);
    });
    return tx();
  }

  /** The newest stored audit (usable as `previous` for runAudit), or undefined. */
  async latest(): Promise<StoredAudit | undefined> {
    const row = this.db.prepare('SELECT * FROM audit_history ORDER BY id DESC LIMIT 1').get() as HistoryRow | undefined;
    return row ? toStored(row) : undefined;
  }

  /** Summaries of the newest `limit` audits, oldest first (no id lists). */
  async trend(limit: number): Promise<AuditTrendPoint[]> {
    const rows = this.db
      .prepare(
        'SELECT started_at, share_with_photo, without_photo, extensions FROM audit_history ORDER BY id DESC LIMIT ?',
      )
      .all(limit) as Pick<HistoryRow, 'started_at' | 'share_with_photo' | 'without_photo' | 'extensions'>[];
    return rows.reverse().map((row) => ({
      startedAt: row.started_at,
      shareWithPhoto: row.share_with_photo,
      withoutPhoto: row.without_photo,
      extensions: row.extensions,
    }));
  }
}

function toStored(row: HistoryRow): StoredAudit {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    apiCalls: row.api_calls,
    extensions: row.extensions,
    withPhoto: row.with_photo,
    withoutPhoto: row.without_photo,
    shareWithPhoto: row.share_with_photo,
    filter: JSON.parse(row.filter_json) as StoredAudit['filter'],
    missingIds: JSON.parse(row.missing_ids_json) as string[],
  };
}
