/**
 * Reminders as durable queued work (docs/audit.md#reminders-and-shutdown): `confirm reminders` stores one job
 * per person (store `reminderJobs`); every instance runs a ReminderRunner that claims jobs with
 * a lease, takes one call from the deployment-wide budget (store `rateGrants`, key
 * `reminders`: REMINDERS_PER_MINUTE across all instances), sends the direct message and
 * ends the job. The instance that ends a batch's last job posts the summary, once.
 *
 * Guarantees: a job whose instance stops or dies is taken over when its lease expires. Each
 * person's reminder time is claimed in `audit_reminders` and recorded on the job before the
 * message is sent; a job taken over with that record is counted as sent and not sent again, so
 * nobody gets two reminders (at most once when an instance dies between claim and post).
 */
import crypto from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { RateGrants, ReminderBatchProgress, ReminderJob, ReminderJobs } from '../store/store.ts';
import { defaultReminderText, type ReminderStore, type SendDirectMessage } from './reminders.ts';

const DAY_MS = 86_400_000;
/** The shared budget's key in `rate_grants`. */
export const REMINDER_BUDGET_KEY = 'reminders';

export interface ReminderRunnerOptions {
  jobs: ReminderJobs;
  budget: RateGrants;
  reminders: ReminderStore;
  sendDirectMessage: SendDirectMessage;
  /** Posts the batch summary in the chat where it was confirmed. */
  postSummary: (chatId: string, text: string) => Promise<void>;
  /** REMINDERS_PER_MINUTE, for the whole deployment (> 0). */
  perWindow: number;
  /** The budget's window, ms (default 60,000). */
  windowMs?: number | undefined;
  /** REMINDER_INTERVAL_DAYS (> 0). */
  intervalDays: number;
  /** This instance's id (owner of claims). */
  instanceId: string;
  /** How long a claim holds, ms (default 120,000: two calls with their timeouts fit). */
  leaseMs?: number | undefined;
  /** How often an idle runner looks for work, ms (default 5,000). */
  pollMs?: number | undefined;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: (() => number) | undefined;
}

/** The summary posted when a batch is done. */
export function formatReminderSummary(p: Pick<ReminderBatchProgress, 'sent' | 'skipped' | 'failed'>): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [`sent ${n(p.sent)}`];
  if (p.skipped > 0) parts.push(`${n(p.skipped)} skipped (reminded meanwhile or opted out)`);
  if (p.failed > 0) parts.push(`${n(p.failed)} could not be sent`);
  return `Reminders done: ${parts.join(', ')}.`;
}

/** One instance's worker over the shared reminder queue. Create, `start()`, `stop()` on shutdown. */
export class ReminderRunner {
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly windowMs: number;
  private readonly pollMs: number;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ReminderRunnerOptions) {
    if (!(o.perWindow > 0)) throw new RangeError('perWindow must be positive');
    if (!(o.intervalDays > 0)) throw new RangeError('intervalDays must be a positive number of days');
    this.now = o.now ?? Date.now;
    this.leaseMs = o.leaseMs ?? 120_000;
    this.windowMs = o.windowMs ?? 60_000;
    this.pollMs = o.pollMs ?? 5_000;
  }

  /**
   * Stores a batch (one job per person) and wakes this runner. Resolves the batch id; the
   * summary is posted in `chatId` when every job has ended.
   */
  async enqueue(chatId: string, requesterId: string, people: ReadonlyArray<{ id: string; name: string }>): Promise<string> {
    const id = crypto.randomUUID();
    await this.o.jobs.enqueue({ id, chatId, requesterId, people: people.map((p) => ({ id: p.id, name: p.name })) }, this.now());
    this.kick();
    return id;
  }

  /** Looks for work now instead of at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  /** Stops after the job in hand (its message is sent or given back); jobs not started stay queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitUntil: number | undefined;
      try {
        waitUntil = await this.step();
      } catch (e) {
        this.o.logger.error({ err: e }, 'reminder work failed; retrying');
        waitUntil = this.now() + this.pollMs;
      }
      if (waitUntil !== undefined && !this.stopped) await this.sleep(Math.min(this.pollMs, Math.max(0, waitUntil - this.now())));
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  /**
   * One job, if any is due: resolves undefined when it handled one (look again at once), or
   * when to look again (nothing due, or the budget is spent until then).
   */
  async step(): Promise<number | undefined> {
    const owner = this.o.instanceId;
    const job = await this.o.jobs.claimNext(owner, this.now(), this.leaseMs);
    if (!job) return this.now() + this.pollMs;
    if (job.remindedAt !== undefined) {
      // A previous holder claimed this person's reminder and may have sent it: never twice.
      await this.end(job, 'sent', undefined);
      return undefined;
    }
    const grant = await this.o.budget.take(REMINDER_BUDGET_KEY, 1, this.o.perWindow, this.windowMs, 0, this.now());
    if (grant.granted === 0) {
      const retryAt = grant.retryAt ?? this.now() + this.pollMs;
      await this.o.jobs.release(job.id, owner, retryAt);
      return retryAt;
    }
    await this.send(job);
    return undefined;
  }

  private async send(job: ReminderJob): Promise<void> {
    const at = this.now();
    let claim: { claimed: boolean; previous: number | null };
    try {
      claim = await this.o.reminders.claimReminder(job.extensionId, new Date(at), this.o.intervalDays * DAY_MS);
    } catch (e) {
      await this.end(job, 'failed', e instanceof Error ? e.message : String(e));
      return;
    }
    if (!claim.claimed) {
      await this.end(job, 'skipped', undefined);
      return;
    }
    if (!(await this.o.jobs.markReminded(job.id, this.o.instanceId, at))) {
      await this.o.reminders.releaseReminder(job.extensionId, claim.previous);
      return; // lost the lease: its new holder sends it
    }
    try {
      await this.o.sendDirectMessage(job.extensionId, defaultReminderText({ id: job.extensionId, name: job.name }));
    } catch (e) {
      // Only while the job is still ours: a new holder has already counted it as sent.
      if (await this.end(job, 'failed', e instanceof Error ? e.message : String(e))) {
        await this.o.reminders.releaseReminder(job.extensionId, claim.previous).catch(() => undefined);
      }
      return;
    }
    await this.end(job, 'sent', undefined);
  }

  /** Ends the job and posts the batch summary when it was the last; resolves whether the job was still ours. */
  private async end(job: ReminderJob, outcome: 'sent' | 'skipped' | 'failed', error: string | undefined): Promise<boolean> {
    if (!(await this.o.jobs.finish(job.id, this.o.instanceId, outcome, error, this.now()))) return false;
    const progress = await this.o.jobs.progress(job.batchId);
    if (!progress || progress.pending > 0 || progress.reportedAt !== undefined) return true;
    if (!(await this.o.jobs.claimReport(job.batchId, this.now()))) return true;
    this.o.logger.info({ batchId: job.batchId, sent: progress.sent, skipped: progress.skipped, failed: progress.failed }, 'reminders sent');
    await this.o.postSummary(progress.chatId, formatReminderSummary(progress)).catch((e: unknown) =>
      this.o.logger.warn({ err: e, chatId: progress.chatId }, 'could not report the reminders'),
    );
    return true;
  }
}
