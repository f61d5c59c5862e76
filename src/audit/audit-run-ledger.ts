import type { AuditStore } from '../store/store.ts';

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

/**
 * {@link AuditRunLedger} in the store (table `audit_run_ledger`). The uniqueness of the
 * scheduled time (ms since epoch, primary key) makes the claim atomic across every instance
 * sharing the database, SQLite or PostgreSQL.
 */
export class StoreAuditRunLedger implements AuditRunLedger {
  /** In: the store's audit tables. */
  constructor(private readonly store: AuditStore) {}

  async claimRun(scheduledAt: Date, instanceId: string): Promise<boolean> {
    return this.store.claimScheduledRun(scheduledAt.getTime(), instanceId, Date.now());
  }

  async lastRun(): Promise<Date | undefined> {
    const last = await this.store.lastScheduledRun();
    return last === undefined ? undefined : new Date(last);
  }

  async finishRun(scheduledAt: Date, outcome: 'ok' | 'failed', error?: string): Promise<void> {
    await this.store.finishScheduledRun(scheduledAt.getTime(), outcome, error, Date.now());
  }

  async recentRuns(limit: number): Promise<AuditRunRecord[]> {
    return (await this.store.recentScheduledRuns(limit)).map((row) => ({
      scheduledAt: new Date(row.scheduledAt),
      instanceId: row.instanceId,
      claimedAt: new Date(row.claimedAt),
      finishedAt: row.finishedAt === undefined ? undefined : new Date(row.finishedAt),
      outcome: row.outcome === 'ok' || row.outcome === 'failed' ? row.outcome : undefined,
      error: row.error,
    }));
  }
}
