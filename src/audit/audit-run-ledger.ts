import type BetterSqlite3 from 'better-sqlite3';

/** One scheduled audit run as recorded by the ledger. */
export interface AuditRunRecord {
  /** The scheduled time the run belongs to (not when it actually started). */
  scheduledAt: Date;
  /** Which bot instance claimed it. */
  instanceId: string;
  claimedAt: Date;
  finishedAt?: Date | undefined;
  /** `undefined` while running (or when the instance died mid-run). */
  outcome?: 'ok' | 'failed' | undefined;
  error?: string | undefined;
}

/**
 * The run coordinator's memory: which scheduled times have been claimed, by whom.
 * Exactly one `claimRun` per scheduled time returns `true`, across every instance that
 * shares the store. A run whose instance dies mid-way is not retried (at most once).
 */
export interface AuditRunLedger {
  /** Claim the run for `scheduledAt`; `true` for the first caller only. */
  claimRun(scheduledAt: Date, instanceId: string): Promise<boolean>;
  /** The latest scheduled time ever claimed, or undefined when none. */
  lastRun(): Promise<Date | undefined>;
  /** Record how the claimed run ended. `error` is a short message (no secrets). */
  finishRun(scheduledAt: Date, outcome: 'ok' | 'failed', error?: string): Promise<void>;
  /** Most recent runs first, at most `limit`. */
  recentRuns(limit: number): Promise<AuditRunRecord[]>;
}

interface RunRow {
  scheduled_at: number;
  instance_id: string;
  claimed_at: number;
  finished_at: number | null;
  outcome: string | null;
  error: string | null;
}

/**
 * {@link AuditRunLedger} on SQLite (better-sqlite3). Takes an open Database so it can share
 * the bot store's file; creates table `audit_run_ledger` if missing. The uniqueness of the
 * scheduled time (milliseconds since the epoch, primary key) plus `INSERT OR IGNORE` makes
 * the claim atomic across connections and processes on the same file.
 */
export class SqliteAuditRunLedger implements AuditRunLedger {
  private readonly insert: BetterSqlite3.Statement<[number, string, number]>;
  private readonly maxScheduled: BetterSqlite3.Statement<[], { last: number | null }>;
  private readonly finish: BetterSqlite3.Statement<[number, string, string | null, number]>;
  private readonly recent: BetterSqlite3.Statement<[number], RunRow>;

  /** In: an open better-sqlite3 Database. Throws SqliteError when the schema can't be created. */
  constructor(private readonly db: BetterSqlite3.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS audit_run_ledger (
      scheduled_at INTEGER PRIMARY KEY,
      instance_id TEXT NOT NULL,
      claimed_at INTEGER NOT NULL,
      finished_at INTEGER,
      outcome TEXT,
      error TEXT
    )`);
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO audit_run_ledger (scheduled_at, instance_id, claimed_at) VALUES (?, ?, ?)',
    );
    this.maxScheduled = db.prepare('SELECT MAX(scheduled_at) AS last FROM audit_run_ledger');
    this.finish = db.prepare(
      'UPDATE audit_run_ledger SET finished_at = ?, outcome = ?, error = ? WHERE scheduled_at = ?',
    );
    this.recent = db.prepare('SELECT * FROM audit_run_ledger ORDER BY scheduled_at DESC LIMIT ?');
  }

  async claimRun(scheduledAt: Date, instanceId: string): Promise<boolean> {
    return this.insert.run(scheduledAt.getTime(), instanceId, Date.now()).changes === 1;
  }

  async lastRun(): Promise<Date | undefined> {
    const row = this.maxScheduled.get();
    return row?.last == null ? undefined : new Date(row.last);
  }

  async finishRun(scheduledAt: Date, outcome: 'ok' | 'failed', error?: string): Promise<void> {
    this.finish.run(Date.now(), outcome, error ?? null, scheduledAt.getTime());
  }

  async recentRuns(limit: number): Promise<AuditRunRecord[]> {
    return this.recent.all(limit).map((row) => ({
      scheduledAt: new Date(row.scheduled_at),
      instanceId: row.instance_id,
      claimedAt: new Date(row.claimed_at),
      finishedAt: row.finished_at == null ? undefined : new Date(row.finished_at),
      outcome: row.outcome === 'ok' || row.outcome === 'failed' ? row.outcome : undefined,
      error: row.error ?? undefined,
    }));
  }
}
