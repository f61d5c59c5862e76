/**
 * The audit inside the running bot: who may ask, running one audit at a time, posting the
 * result (card, plus the CSV file when the card can't list everyone), the scheduled run that
 * posts to every admin chat, and the reminder direct messages. Chat commands
 * (src/commands/audit-commands.ts) and start-bot use it; it talks to RingCentral only through
 * the platform's BotClient and to the database only through the store's audit tables.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../logger.ts';
import type { AuditJobs, AuditStore, RateGrants, ReminderJobs } from '../store/store.ts';
import type { AdaptiveCard as PlatformCard, BotClient, RingCentralPlatform } from '../platform/ringcentral-client.ts';
import { AuditHistory } from './audit-history.ts';
import { runRecordedAudit, type RecordedAudit } from './audit-job.ts';
import { StoreAuditRunLedger } from './audit-run-ledger.ts';
import { startAuditSchedule, type AuditRunReason, type AuditSchedule } from './audit-schedule.ts';
import type { AuditFilter, AuditPerson, AuditProgress, ListExtensionsPage } from './audit-types.ts';
import { AdminChatRegistry } from './bot-audit-chats.ts';
import { AuditJobRunner } from './audit-job-runner.ts';
import { ReminderRunner } from './reminder-runner.ts';
import { planReminders, ReminderStore, type ReminderPlan } from './reminders.ts';
import { runAudit } from './run-audit.ts';

/** The audit settings the bot passes in (from Config). */
export interface BotAuditSettings {
  /** AUDIT_CRON */
  cron: string;
  /** AUDIT_TIMEZONE (IANA) */
  timeZone: string;
  /** ADMIN_CHAT_IDS */
  adminChatIds: readonly string[];
  /** AUDIT_EXTENSION_TYPES / AUDIT_EXTENSION_STATUSES */
  filter: AuditFilter;
  /** REMINDER_INTERVAL_DAYS (> 0) */
  reminderIntervalDays: number;
  /** Reminder direct messages started per minute (default 10). */
  remindersPerMinute?: number | undefined;
  /** Minimum time between edits of the progress post, ms (default 5,000). */
  progressIntervalMs?: number | undefined;
  /** Names on the card; with more people the CSV is uploaded too (default 20). */
  maxNames?: number | undefined;
  /** How long a `remind people without photos` plan waits for `confirm reminders`, ms (default 15 min). */
  confirmationTtlMs?: number | undefined;
  /**
   * Whether card buttons reach the bot (`POST /interactive` needs RINGCENTRAL_SHARED_SECRET).
   * When true, the reminder question is a card with Send / Cancel buttons; typed words work too.
   */
  cardButtons?: boolean | undefined;
}

export interface BotAuditOptions {
  /** The store's audit tables. */
  store: AuditStore;
  /** The store's durable reminder queue and shared budgets (REMINDERS_PER_MINUTE across instances). */
  reminderJobs: ReminderJobs;
  rateGrants: RateGrants;
  /** The store's durable audit jobs (a requested audit runs outside the dispatcher). */
  auditJobs: AuditJobs;
  platform: RingCentralPlatform;
  logger: Logger;
  settings: BotAuditSettings;
  /** This process's id in the run ledger; default `hostname:pid:random`. */
  instanceId?: string | undefined;
  /** ms since epoch; default Date.now. */
  now?: (() => number) | undefined;
}

/** A reminder plan waiting for the admin's confirmation. */
export interface PendingReminderPlan {
  chatId: string;
  requesterId: string;
  /** ms since epoch */
  createdAt: number;
  people: AuditPerson[];
}

/** Where a finished audit was posted. */
export interface AuditDelivery {
  chatId: string;
  cardId?: string | undefined;
  /** The uploaded CSV (when there were more people than the card lists). */
  csv?: { id: string; contentUri: string } | undefined;
  error?: string | undefined;
}

const DEFAULT_CONFIRMATION_TTL_MS = 15 * 60_000;

/**
 * Creates the bot's audit service. Nothing runs until a command calls it or
 * {@link BotAudit.startSchedule} is called.
 */
export function createBotAudit(options: BotAuditOptions): BotAudit {
  return new BotAudit(options);
}

export class BotAudit {
  readonly history: AuditHistory;
  readonly reminders: ReminderStore;
  readonly ledger: StoreAuditRunLedger;
  readonly adminChats: AdminChatRegistry;
  readonly settings: Readonly<BotAuditSettings>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly instanceId: string;
  private schedule: AuditSchedule | undefined;
  /** This instance's worker over the shared reminder queue. */
  readonly reminderRunner: ReminderRunner;
  /** This instance's worker over the shared audit jobs. */
  readonly auditJobRunner: AuditJobRunner;
  private inFlight: Promise<RecordedAudit> | undefined;
  private readonly background = new Set<Promise<unknown>>();
  /** Aborts audits (after the grace time on stop). */
  private readonly stopping = new AbortController();

  constructor(private readonly options: BotAuditOptions) {
    this.settings = Object.freeze({ ...options.settings });
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.instanceId = options.instanceId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
    this.history = new AuditHistory(options.store);
    this.reminders = new ReminderStore(options.store);
    this.ledger = new StoreAuditRunLedger(options.store);
    this.adminChats = new AdminChatRegistry(options.store, options.settings.adminChatIds);
    this.reminderRunner = new ReminderRunner({
      jobs: options.reminderJobs,
      budget: options.rateGrants,
      reminders: this.reminders,
      perWindow: options.settings.remindersPerMinute ?? 10,
      intervalDays: options.settings.reminderIntervalDays,
      instanceId: this.instanceId,
      logger: this.log,
      now: this.now,
      sendDirectMessage: async (extensionId, text) => {
        const bot = this.bot();
        const chatId = await bot.openDirectChat(extensionId);
        await bot.createPost(chatId, text);
      },
      postSummary: async (chatId, text) => {
        await this.bot().createPost(chatId, text);
      },
    });
    this.auditJobRunner = new AuditJobRunner({
      jobs: options.auditJobs,
      instanceId: this.instanceId,
      logger: this.log,
      now: this.now,
      run: async (job, onPage) => {
        const log = this.log.child({ auditJobId: job.id, chatId: job.chatId });
        const { recorded, delivery } = await this.auditForChat(job.chatId, log, onPage);
        log.info({ historyId: recorded.historyId, cardId: delivery.cardId, csv: Boolean(delivery.csv) }, 'audit posted');
      },
      postText: async (chatId, text) => {
        await this.bot().createPost(chatId, text);
      },
    });
  }

  /**
   * The chat command's audit as a durable job: stored and handed to a runner outside the
   * dispatcher (this instance's, woken at once, or any other's). Resolves whether a new job was
   * queued (false: one is already queued or running for this chat; its result comes here too).
   */
  async requestAudit(chatId: string, requesterId: string): Promise<{ created: boolean; jobId: string }> {
    const { job, created } = await this.auditJobRunner.enqueue(chatId, requesterId);
    return { created, jobId: job.id };
  }

  private bot(): BotClient {
    return this.options.platform.bot();
  }

  /**
   * The seam runAudit pages through: `GET /restapi/v1.0/account/~/extension` via the bot's
   * client, which paces by usage plan group (Medium) and waits `Retry-After` on a 429
   * (docs/ringcentral-notes.md §5). Throws PlatformError when a page can't be fetched.
   */
  listExtensionsPage(): ListExtensionsPage {
    return async (params) => {
      const page = await this.bot().listExtensions({ page: params.page, perPage: params.perPage, type: params.type, status: params.status });
      return {
        records: page.records ?? [],
        ...(page.paging ? { paging: page.paging } : {}),
        ...(page.navigation ? { navigation: page.navigation } : {}),
      };
    };
  }

  /**
   * Whether the extension is a RingCentral administrator: `permissions.admin.enabled` of
   * `GET /restapi/v1.0/account/~/extension/{id}` (docs/ringcentral-notes.md §2.2). Guests (`glip-`
   * ids) and unknown extensions are not. Other PlatformErrors pass through.
   */
  async isAdmin(extensionId: string): Promise<boolean> {
    if (!/^\d+$/.test(extensionId)) return false;
    try {
      const ext = await this.bot().getExtension(extensionId);
      return ext.permissions?.admin?.enabled === true;
    } catch (e) {
      if ((e as { kind?: string }).kind === 'not-found') return false;
      throw e;
    }
  }

  /** Whether `requesterId` may run an audit in `chatId`: an admin, or anyone in an admin chat. */
  async mayAudit(chatId: string, requesterId: string): Promise<boolean> {
    return (await this.adminChats.has(chatId)) || (await this.isAdmin(requesterId));
  }

  /**
   * Runs one recorded audit (history kept, change since the last one), sharing it when one is
   * already running in this process: a second request waits for the running audit instead of
   * paging the directory again. `onProgressText` is called for the audit this call started.
   * Throws what runAudit throws (PlatformError after the client's retries).
   */
  async runAudit(
    onProgressText?: (text: string) => Promise<void>,
    onPage?: (progress: AuditProgress) => void,
  ): Promise<{ recorded: RecordedAudit; shared: boolean }> {
    if (this.inFlight) return { recorded: await this.inFlight, shared: true };
    const run = runRecordedAudit({
      listExtensionsPage: this.listExtensionsPage(),
      history: this.history,
      filter: this.settings.filter,
      timeZone: this.settings.timeZone,
      maxNames: this.settings.maxNames ?? 20,
      progressIntervalMs: this.settings.progressIntervalMs ?? 5_000,
      onProgressText,
      onPage,
      signal: this.stopping.signal,
    });
    this.inFlight = run;
    try {
      const recorded = await run;
      this.log.info(
        {
          historyId: recorded.historyId,
          extensions: recorded.report.totals.extensions,
          withoutPhoto: recorded.report.totals.withoutPhoto,
          apiCalls: recorded.report.apiCalls,
          durationMs: recorded.report.durationMs,
        },
        'audit finished',
      );
      return { recorded, shared: false };
    } finally {
      this.inFlight = undefined;
    }
  }

  /**
   * The chat command's audit: runs (or joins) an audit, edits one progress post while a long
   * audit pages ("Checked 3,000 of 10,000 extensions…", created on the first progress update,
   * so a quick audit posts nothing extra), then posts the result in the chat.
   * Throws PlatformError when the audit or the card post fails.
   */
  async auditForChat(
    chatId: string,
    log: Logger = this.log,
    onPage?: (progress: AuditProgress) => void,
  ): Promise<{ recorded: RecordedAudit; delivery: AuditDelivery }> {
    const bot = this.bot();
    let progressPostId: string | undefined;
    let progressChain: Promise<void> = Promise.resolve();
    const onProgressText = (text: string): Promise<void> => {
      // Edits run one after another so a slow PATCH never lands after a newer one.
      progressChain = progressChain.then(async () => {
        try {
          if (progressPostId === undefined) progressPostId = String((await bot.createPost(chatId, text)).id);
          else await bot.updatePost(chatId, progressPostId, text);
        } catch (e) {
          log.warn({ err: e }, 'could not post audit progress');
        }
      });
      return progressChain;
    };
    const { recorded, shared } = await this.runAudit(onProgressText, onPage);
    await progressChain;
    if (progressPostId !== undefined) {
      const { extensions } = recorded.report.totals;
      await bot
        .updatePost(chatId, progressPostId, `Checked all ${extensions.toLocaleString('en-US')} extensions. The report follows.`)
        .catch((e: unknown) => log.warn({ err: e }, 'could not finish the progress post'));
    }
    if (shared) log.info('joined an audit that was already running');
    const delivery = await this.deliver(chatId, recorded, { throwOnError: true });
    return { recorded, delivery };
  }

  /**
   * Posts a finished audit in a chat: the adaptive card, and the CSV file (uploaded to the
   * chat, `POST /team-messaging/v1/files?groupId=`) when more people are missing than the card
   * lists. With `throwOnError` the first failure is thrown; otherwise it is returned in `error`.
   */
  async deliver(chatId: string, recorded: RecordedAudit, o: { throwOnError?: boolean } = {}): Promise<AuditDelivery> {
    const bot = this.bot();
    const out: AuditDelivery = { chatId };
    try {
      out.cardId = (await bot.createCard(chatId, { ...recorded.card } as PlatformCard)).id;
      if (recorded.csv) {
        out.csv = await bot.uploadFile(chatId, recorded.csv.fileName, recorded.csv.content, recorded.csv.contentType);
      }
    } catch (e) {
      if (o.throwOnError) throw e;
      out.error = e instanceof Error ? e.message : String(e);
    }
    return out;
  }

  /**
   * The scheduled job: one audit, posted to every admin chat (registered ones and
   * ADMIN_CHAT_IDS). With no admin chat the audit is skipped (nobody would see it, and it would
   * only spend the rate budget). One chat failing (bot removed from it…) doesn't stop the others;
   * throws when there were chats and none got the report, so the ledger records a failure.
   */
  async runScheduled(run: { scheduledAt: Date; reason: AuditRunReason }): Promise<AuditDelivery[]> {
    const chats = await this.adminChats.list();
    const log = this.log.child({ scheduledAt: run.scheduledAt.toISOString(), reason: run.reason });
    if (chats.length === 0) {
      log.info('no admin chats: scheduled audit skipped (say "send audit reports here" in a chat, or set ADMIN_CHAT_IDS)');
      return [];
    }
    if (!this.options.platform.hasBot()) throw new Error('the bot is not installed; the scheduled audit cannot run');
    const { recorded } = await this.runAudit();
    const deliveries: AuditDelivery[] = [];
    for (const chat of chats) {
      const d = await this.deliver(chat.chatId, recorded);
      if (d.error) log.warn({ chatId: chat.chatId, error: d.error }, 'could not post the scheduled audit in an admin chat');
      deliveries.push(d);
    }
    const delivered = deliveries.filter((d) => !d.error).length;
    log.info({ chats: chats.length, delivered }, 'scheduled audit posted');
    if (delivered === 0) throw new Error(`the scheduled audit could not be posted in any of ${chats.length} admin chats`);
    return deliveries;
  }

  /**
   * Starts the node-cron schedule (AUDIT_CRON in AUDIT_TIMEZONE, make-up of a missed run, one
   * run per scheduled time across instances through the run ledger) and this instance's
   * reminder worker (it also finishes batches queued before a restart). Idempotent.
   * Throws AuditScheduleConfigError for a bad cron expression or time zone.
   */
  startSchedule(): AuditSchedule {
    this.reminderRunner.start();
    this.auditJobRunner.start();
    this.schedule ??= startAuditSchedule({
      cron: this.settings.cron,
      timezone: this.settings.timeZone,
      ledger: this.ledger,
      instanceId: this.instanceId,
      logger: this.log,
      run: async (run) => {
        await this.runScheduled(run);
      },
    });
    return this.schedule;
  }

  /** The running schedule, if started. */
  get scheduled(): AuditSchedule | undefined {
    return this.schedule;
  }

  /**
   * `remind people without photos`, step 1: a fresh (unrecorded) audit, split into who would
   * get a direct message now, who was reminded recently and who opted out; the list waits for
   * `confirm reminders` from the same person in the same chat. Excludes the bot itself.
   */
  async planReminders(chatId: string, requesterId: string): Promise<ReminderPlan> {
    const report = await runAudit({ listExtensionsPage: this.listExtensionsPage(), filter: this.settings.filter, signal: this.stopping.signal });
    const plan = await planReminders({
      people: report.withoutPhoto,
      store: this.reminders,
      intervalDays: this.settings.reminderIntervalDays,
      now: new Date(this.now()),
      exclude: this.options.platform.hasBot() ? [this.bot().extensionId] : [],
    });
    await this.options.store.putReminderPlan(chatId, requesterId, this.now(), plan.toRemind);
    return plan;
  }

  /**
   * Takes (and deletes) the plan waiting for this person's confirmation in this chat;
   * undefined when there is none or it is older than the confirmation time.
   */
  async takeReminderPlan(chatId: string, requesterId: string): Promise<PendingReminderPlan | undefined> {
    const row = await this.options.store.takeReminderPlan(chatId, requesterId);
    if (!row) return undefined;
    if (this.now() - row.createdAt > (this.settings.confirmationTtlMs ?? DEFAULT_CONFIRMATION_TTL_MS)) return undefined;
    return { chatId, requesterId, createdAt: row.createdAt, people: row.people as AuditPerson[] };
  }

  /** Drops a waiting plan (`cancel reminders`); resolves whether there was one. */
  async cancelReminderPlan(chatId: string, requesterId: string): Promise<boolean> {
    return this.options.store.deleteReminderPlan(chatId, requesterId);
  }

  /**
   * `confirm reminders`, step 2: queues one durable job per person (store `reminder_jobs`) and
   * resolves the batch id once they are stored. Any instance's worker sends them (at most
   * `remindersPerMinute` a minute across the deployment; each person at most once per
   * REMINDER_INTERVAL_DAYS, opt-outs honoured at send time) and the one that ends the last job
   * posts "Reminders done: …" in `chatId`. Queued work survives restarts.
   */
  async queueReminders(chatId: string, requesterId: string, people: readonly AuditPerson[]): Promise<string> {
    return this.reminderRunner.enqueue(chatId, requesterId, people);
  }

  /**
   * Shutdown: stops the schedule and the reminder worker (queued reminders stay in the store), gives an audit in flight up
   * to `graceMs` (default 10,000) to finish (so a chat request still gets its answer), then
   * aborts it and waits for everything this service started.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    const schedule = this.schedule;
    this.schedule = undefined;
    // Its node-cron tasks go at once; the promise settles when a scheduled run in flight ends.
    const scheduleStopped = schedule?.stop();
    // The reminder in hand ends; the rest stay queued for the next instance (or this one, restarted).
    const remindersStopped = this.reminderRunner.stop();
    const auditJobsStopped = this.auditJobRunner.stop();
    const running = this.inFlight;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        running.then(
          () => undefined,
          () => undefined,
        ),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.graceMs ?? 10_000);
        }),
      ]);
      clearTimeout(timer);
    }
    this.stopping.abort(new Error('the bot is shutting down'));
    await scheduleStopped;
    await remindersStopped;
    await auditJobsStopped;
    await Promise.allSettled([...this.background, ...(this.inFlight ? [this.inFlight] : [])]);
  }
}
