import cron from 'node-cron';
import type { ScheduledTask, Logger as NodeCronLogger } from 'node-cron';
import type { Cron } from 'croner';
import { cronFor, validateAuditSchedule } from '../cron-settings.ts';
import type { AuditRunLedger } from './audit-run-ledger.ts';

/*
 * Scheduling policy (docs/audit.md#schedule):
 * - node-cron 4 fires the audit at each time AUDIT_CRON matches in AUDIT_TIMEZONE, with
 *   noOverlap.
 * - node-cron 4 never replays a missed run (docs/ringcentral-notes.md §9.19). Which instants are scheduled is
 *   therefore also computed with croner, and a make-up check (on node-cron's
 *   `execution:missed`, at start, and once a minute) runs the most recent scheduled time
 *   once if the ledger has no run at or after it. Older missed times are not replayed.
 * - Daylight saving follows croner's documented rule for fixed-time schedules (single
 *   second/minute/hour values such as `30 2 * * *`): a time in the spring-forward gap runs
 *   once at the first valid time after the gap (03:00 local; node-cron skips it, so the
 *   make-up check runs it within a minute); a time that occurs twice at fall-back runs once,
 *   at its first occurrence.
 * - Every run first claims its scheduled time in the AuditRunLedger, so with several
 *   instances exactly one of them runs it.
 */

export { AuditScheduleConfigError, isValidTimeZone, validateAuditSchedule } from '../cron-settings.ts';

/**
 * The latest scheduled time at or before `at` (croner, DST rule above), or undefined when
 * the expression has none. In: a valid expression and zone. Throws croner's error otherwise.
 */
export function latestScheduledTime(cronExpression: string, timeZone: string, at: Date): Date | undefined {
  return latestOf(cronFor(cronExpression, timeZone), at);
}

function latestOf(job: Cron, at: Date): Date | undefined {
  // previousRuns() is strictly before its reference, so look from 1 ms later.
  const [latest] = job.previousRuns(1, new Date(at.getTime() + 1));
  return latest;
}

/**
 * Scheduled times in `(from, to]`, oldest first (croner, DST rule above). At most `limit`
 * (default 10,000) are returned. In: a valid expression and zone.
 */
export function scheduledTimesBetween(
  cronExpression: string,
  timeZone: string,
  from: Date,
  to: Date,
  limit = 10_000,
): Date[] {
  const job = cronFor(cronExpression, timeZone);
  const out: Date[] = [];
  let cursor: Date | null = from;
  while (out.length < limit) {
    cursor = job.nextRun(cursor);
    if (!cursor || cursor.getTime() > to.getTime()) break;
    out.push(cursor);
  }
  return out;
}

/** Minimal structured logger (pino-compatible: object first, message second). */
export interface AuditScheduleLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: AuditScheduleLogger = { info() {}, warn() {}, error() {} };

/** Why a run started. */
export type AuditRunReason = 'scheduled' | 'make-up';

/** What happened to one attempt to run a scheduled time. */
export type AuditTriggerOutcome = 'ran' | 'failed' | 'not-claimed' | 'busy' | 'nothing-due';

export interface AuditScheduleOptions {
  /** AUDIT_CRON, e.g. `0 9 * * 1-5`. */
  cron: string;
  /** AUDIT_TIMEZONE, e.g. `UTC`. */
  timezone: string;
  /** The run coordinator's store (shared by every instance). */
  ledger: AuditRunLedger;
  /** This process's id in the ledger (e.g. hostname:pid:random). */
  instanceId: string;
  /** The work: run one audit and deliver it. A rejection is logged and recorded as failed. */
  run: (run: { scheduledAt: Date; reason: AuditRunReason }) => Promise<void>;
  logger?: AuditScheduleLogger | undefined;
  /** When the make-up check runs (node-cron expression, default every minute at second 30). */
  makeUpCheckCron?: string | undefined;
  /** The periodic check ignores scheduled times younger than this, ms (default 15,000). */
  makeUpGraceMs?: number | undefined;
  /** Task name prefix in node-cron (default `audit`). */
  name?: string | undefined;
}

/**
 * The scheduled audit: a node-cron task plus the make-up check and the run coordinator.
 * Create with {@link startAuditSchedule}.
 */
export class AuditSchedule {
  private readonly logger: AuditScheduleLogger;
  private readonly graceMs: number;
  private mainTask: ScheduledTask | undefined;
  private checkTask: ScheduledTask | undefined;
  private running: Promise<unknown> | undefined;
  private pending = new Set<Promise<unknown>>();
  /** Scheduled times before this are never made up when the ledger is empty. */
  private readonly armedAt: Date;
  /** croner view of AUDIT_CRON, for the make-up check. */
  private readonly job: Cron;
  /**
   * A time known to be claimed (by anyone) or not to need a make-up; only grows. Lets the
   * once-a-minute check skip the database until a new scheduled time has passed.
   */
  private settledUpTo: number | undefined;
  private nextDue: { after: number; at: number | undefined } | undefined;

  constructor(private readonly options: AuditScheduleOptions) {
    validateAuditSchedule(options.cron, options.timezone);
    this.logger = options.logger ?? silentLogger;
    this.graceMs = options.makeUpGraceMs ?? 15_000;
    this.armedAt = new Date();
    this.job = cronFor(options.cron, options.timezone);
  }

  private settle(at: Date): void {
    if (this.settledUpTo === undefined || at.getTime() > this.settledUpTo) this.settledUpTo = at.getTime();
  }

  /** Start the node-cron tasks and run the start-up make-up check (in the background). */
  start(): void {
    if (this.mainTask) return;
    const name = this.options.name ?? 'audit';
    const cronLogger = toNodeCronLogger(this.logger);
    this.mainTask = cron.createTask(this.options.cron, (ctx) => this.track(this.trigger(ctx.date, 'scheduled')), {
      name,
      timezone: this.options.timezone,
      noOverlap: true,
      logger: cronLogger,
    });
    this.mainTask.on('execution:missed', (ctx) => {
      this.logger.warn({ scheduledAt: ctx.date.toISOString() }, 'scheduled audit missed (process busy); making it up');
      void this.track(this.checkMissed({ graceMs: 0 })); // checkMissed never rejects: it logs and returns 'failed'
    });
    this.mainTask.on('execution:overlap', (ctx) => {
      this.logger.warn({ scheduledAt: ctx.date.toISOString() }, 'previous audit still running; this time will be made up once it ends');
    });
    this.checkTask = cron.createTask(
      this.options.makeUpCheckCron ?? '30 * * * * *',
      () => this.track(this.checkMissed()),
      { name: `${name}-make-up-check`, noOverlap: true, logger: cronLogger, suppressMissedWarning: true },
    );
    void this.mainTask.start();
    void this.checkTask.start();
    void this.track(this.checkMissed({ graceMs: 0 })); // never rejects (see checkMissed)
  }

  /** The next time node-cron will fire the audit, or null when stopped. */
  nextRun(): Date | null {
    return this.mainTask?.getNextRun() ?? null;
  }

  /**
   * Make-up check: if the latest scheduled time at or before now − grace is later than the
   * ledger's last run (or, with an empty ledger, than when this schedule started), run it
   * once. Out: what happened. Never throws (errors are logged, outcome `failed`).
   */
  async checkMissed(options: { now?: Date; graceMs?: number } = {}): Promise<AuditTriggerOutcome> {
    try {
      const now = options.now ?? new Date();
      const ref = new Date(now.getTime() - (options.graceMs ?? this.graceMs));
      if (this.settledUpTo !== undefined) {
        // Cheap path for the once-a-minute check: nothing is due before the first
        // scheduled time after the settled one.
        if (this.nextDue?.after !== this.settledUpTo) {
          this.nextDue = { after: this.settledUpTo, at: this.job.nextRun(new Date(this.settledUpTo))?.getTime() };
        }
        if (this.nextDue.at === undefined || ref.getTime() < this.nextDue.at) return 'nothing-due';
      }
      const latest = latestOf(this.job, ref);
      if (!latest) return 'nothing-due';
      if (this.settledUpTo !== undefined && latest.getTime() <= this.settledUpTo) return 'nothing-due';
      const last = (await this.options.ledger.lastRun()) ?? this.armedAt;
      this.settle(last);
      if (latest.getTime() <= last.getTime()) return 'nothing-due';
      return await this.trigger(latest, 'make-up');
    } catch (error) {
      this.logger.error({ err: error }, 'audit make-up check failed');
      return 'failed';
    }
  }

  /**
   * Run the audit for one scheduled time if this instance is free and wins the claim.
   * Out: `ran`, `failed` (the run or the claim threw; logged, and recorded when claimed),
   * `not-claimed` (another instance has it), or `busy` (an audit is already running here;
   * the make-up check retries later). Never throws.
   */
  async trigger(scheduledAt: Date, reason: AuditRunReason): Promise<AuditTriggerOutcome> {
    if (this.running) {
      this.logger.info({ scheduledAt: scheduledAt.toISOString(), reason }, 'audit already running here; not starting another');
      return 'busy';
    }
    const attempt = this.attempt(scheduledAt, reason);
    this.running = attempt;
    try {
      return await attempt;
    } finally {
      this.running = undefined;
    }
  }

  private async attempt(scheduledAt: Date, reason: AuditRunReason): Promise<AuditTriggerOutcome> {
    let claimed: boolean;
    try {
      claimed = await this.options.ledger.claimRun(scheduledAt, this.options.instanceId);
    } catch (error) {
      this.logger.error({ err: error, scheduledAt: scheduledAt.toISOString() }, 'could not claim the scheduled audit');
      return 'failed';
    }
    this.settle(scheduledAt);
    if (!claimed) {
      this.logger.info({ scheduledAt: scheduledAt.toISOString(), reason }, 'scheduled audit already claimed by another instance');
      return 'not-claimed';
    }
    this.logger.info({ scheduledAt: scheduledAt.toISOString(), reason }, 'scheduled audit starting');
    try {
      await this.options.run({ scheduledAt, reason });
      await this.options.ledger.finishRun(scheduledAt, 'ok');
      return 'ran';
    } catch (error) {
      this.logger.error({ err: error, scheduledAt: scheduledAt.toISOString() }, 'scheduled audit failed');
      await this.options.ledger
        .finishRun(scheduledAt, 'failed', error instanceof Error ? error.message : String(error))
        .catch(() => undefined);
      return 'failed';
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => {
      this.pending.delete(promise);
    };
    promise.then(done, done);
    return promise;
  }

  /** Resolves when no check or run started by this schedule is in flight. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stop both node-cron tasks and wait for an audit in flight to end. */
  async stop(): Promise<void> {
    const tasks = [this.mainTask, this.checkTask];
    this.mainTask = undefined;
    this.checkTask = undefined;
    for (const task of tasks) if (task) await task.destroy();
    await this.whenIdle();
  }
}

function toNodeCronLogger(logger: AuditScheduleLogger): NodeCronLogger {
  return {
    info: (message) => logger.info({ source: 'node-cron' }, message),
    warn: (message) => logger.warn({ source: 'node-cron' }, message),
    error: (message, err) =>
      logger.error({ source: 'node-cron', err: err ?? message }, typeof message === 'string' ? message : message.message),
    debug: () => {},
  };
}

/**
 * Validate the settings, create the schedule and start it.
 * In: {@link AuditScheduleOptions}. Out: the running {@link AuditSchedule} (call `stop()` on
 * shutdown). Throws {@link AuditScheduleConfigError} for a bad AUDIT_CRON / AUDIT_TIMEZONE.
 */
export function startAuditSchedule(options: AuditScheduleOptions): AuditSchedule {
  const schedule = new AuditSchedule(options);
  schedule.start();
  return schedule;
}
