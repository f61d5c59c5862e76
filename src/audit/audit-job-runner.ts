/**
 * A requested audit as a durable job (docs/audit.md#long-audits): the chat command stores a row
 * in `audit_jobs` and returns, so the dispatcher's slot is free at once; this runner (one per
 * instance, outside the dispatcher) claims it with a lease, runs the audit, renews the lease
 * with the progress (pages done, extensions checked) and posts the result. A job whose instance
 * stopped or died is claimed again when its lease runs out and starts again from the first
 * page (a clean restart, not a resume: the directory may have changed meanwhile).
 */
import crypto from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { AuditJobRow, AuditJobs } from '../store/store.ts';
import type { AuditProgress } from './audit-types.ts';

export interface AuditJobRunnerOptions {
  jobs: AuditJobs;
  instanceId: string;
  /** Runs one audit for a chat and posts it there; `onPage` after every page. Throws when it can't. */
  run: (job: AuditJobRow, onPage: (p: AuditProgress) => void) => Promise<void>;
  /** Posts a plain message in the chat (the failure notice). */
  postText: (chatId: string, text: string) => Promise<void>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long a claim holds without renewal, ms (default 60,000; renewed every third of it). */
  leaseMs?: number | undefined;
  /** How often an idle runner looks for work, ms (default 5,000). */
  pollMs?: number | undefined;
  /** Claims of one job before it is given up (default 3). */
  maxAttempts?: number | undefined;
  now?: (() => number) | undefined;
}

/** One instance's worker over the shared audit queue. */
export class AuditJobRunner {
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: AuditJobRunnerOptions) {
    this.now = o.now ?? Date.now;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.pollMs = o.pollMs ?? 5_000;
  }

  /**
   * Queues an audit for `chatId` (one pending or running per chat) and wakes this runner.
   * Resolves the job and whether it is new (false: one was already queued or running there).
   */
  async enqueue(chatId: string, requesterId: string): Promise<{ job: AuditJobRow; created: boolean }> {
    const out = await this.o.jobs.enqueue({ id: crypto.randomUUID(), chatId, requesterId }, this.now());
    this.wake?.();
    return out;
  }

  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.runLoop();
  }

  /** Stops looking for work and waits for the job in hand (its audit is aborted by the caller's shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      let idle = true;
      try {
        idle = !(await this.step());
      } catch (e) {
        this.o.logger.error({ err: e }, 'audit job work failed; retrying');
      }
      if (idle && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.pollMs);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = undefined;
      }
    }
  }

  /** Runs one due job if there is one; resolves whether it did. */
  async step(): Promise<boolean> {
    const owner = this.o.instanceId;
    const job = await this.o.jobs.claimNext(owner, this.now(), this.leaseMs);
    if (!job) return false;
    if (job.attempts > (this.o.maxAttempts ?? 3)) {
      if (await this.o.jobs.finish(job.id, owner, 'failed', 'given up after repeated interruptions', this.now())) {
        await this.o.postText(job.chatId, 'Sorry, the audit was interrupted too often and was given up. Please ask again.').catch(() => undefined);
      }
      return true;
    }
    if (job.attempts > 1) this.o.logger.info({ jobId: job.id, attempt: job.attempts }, 'audit job taken over; starting again from the first page');
    let last: AuditProgress | undefined;
    const renew = setInterval(() => {
      const p = last;
      void this.o.jobs
        .progress(job.id, owner, this.now(), this.leaseMs, p ? { pagesDone: p.page, pagesTotal: p.totalPages, extensionsDone: p.checked } : undefined)
        .catch((e: unknown) => this.o.logger.warn({ err: e }, 'could not renew the audit job'));
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    try {
      await this.o.run(job, (p) => {
        last = p;
      });
      await this.o.jobs.finish(job.id, owner, 'done', undefined, this.now());
    } catch (e) {
      if (this.stopped) return true; // shutting down: the job stays claimed and is taken over when the lease runs out
      const message = e instanceof Error ? e.message : String(e);
      this.o.logger.error({ err: e, jobId: job.id }, 'audit job failed');
      if (await this.o.jobs.finish(job.id, owner, 'failed', message, this.now())) {
        await this.o.postText(job.chatId, 'Sorry, the audit could not finish (RingCentral did not answer in time or refused). Please try again later.').catch(() => undefined);
      }
    } finally {
      clearInterval(renew);
    }
    return true;
  }
}
