import PQueue from 'p-queue';
import type { AuditStore } from '../store/store.ts';
import type { AuditPerson } from './audit-types.ts';

const DAY_MS = 86_400_000;

/** REMINDER_INTERVAL_DAYS default: at most one reminder per person per 30 days. */
export const DEFAULT_REMINDER_INTERVAL_DAYS = 30;

/** What the store knows about one person. */
export interface ReminderStatus {
  lastRemindedAt?: Date | undefined;
  optedOutAt?: Date | undefined;
}

/**
 * Opt-outs and last-reminded times (the store's table `audit_reminders`). Extension ids are
 * decimal strings.
 */
export class ReminderStore {
  /** In: the store's audit tables. */
  constructor(private readonly store: AuditStore) {}

  /** `stop reminding me`: no more reminders for this person until {@link optIn}. */
  async optOut(extensionId: string, at: Date = new Date()): Promise<void> {
    await this.store.optOutOfReminders(extensionId, at.getTime());
  }

  /** Undo an opt-out. */
  async optIn(extensionId: string): Promise<void> {
    await this.store.optInToReminders(extensionId);
  }

  /** Status of each given id (ids the store never saw are absent from the map). */
  async statuses(extensionIds: readonly string[]): Promise<Map<string, ReminderStatus>> {
    const rows = await this.store.reminderStatuses(extensionIds);
    return new Map(
      rows.map((row) => [
        row.extensionId,
        {
          lastRemindedAt: row.lastRemindedAt === undefined ? undefined : new Date(row.lastRemindedAt),
          optedOutAt: row.optedOutAt === undefined ? undefined : new Date(row.optedOutAt),
        },
      ]),
    );
  }

  /**
   * Atomically take the right to remind one person now: succeeds only when the person has
   * not opted out and was not reminded after `now − intervalMs`; it then records `now` as
   * the last reminder. Out: `{claimed, previous}` (`previous` for {@link releaseReminder}).
   */
  async claimReminder(
    extensionId: string,
    now: Date,
    intervalMs: number,
  ): Promise<{ claimed: boolean; previous: number | null }> {
    return this.store.claimReminder(extensionId, now.getTime(), intervalMs);
  }

  /** Give back a claim whose message could not be sent (restores the previous time). */
  async releaseReminder(extensionId: string, previous: number | null): Promise<void> {
    await this.store.releaseReminder(extensionId, previous);
  }
}

/** Who would get a reminder, and who not and why. */
export interface ReminderPlan {
  toRemind: AuditPerson[];
  /** Reminded less than `intervalDays` ago. */
  recentlyReminded: AuditPerson[];
  optedOut: AuditPerson[];
  intervalDays: number;
}

export interface PlanRemindersOptions {
  /** People without a photo (e.g. `report.withoutPhoto`). */
  people: readonly AuditPerson[];
  store: ReminderStore;
  /** REMINDER_INTERVAL_DAYS: at most one reminder per person per this many days (> 0). */
  intervalDays: number;
  now?: Date;
  /** Never remind these (e.g. the requesting admin or the bot itself). */
  exclude?: Iterable<string>;
}

/**
 * Plan `remind people without photos`: split the people into those who would get a direct
 * message now, those reminded within `intervalDays`, and those who opted out. Reads only the
 * store; sends nothing. Throws RangeError when `intervalDays` is not a positive number.
 */
export async function planReminders(options: PlanRemindersOptions): Promise<ReminderPlan> {
  if (!(options.intervalDays > 0)) throw new RangeError('intervalDays must be a positive number of days');
  const now = options.now ?? new Date();
  const cutoff = now.getTime() - options.intervalDays * DAY_MS;
  const exclude = new Set(options.exclude ?? []);
  const people = options.people.filter((person) => !exclude.has(person.id));
  const statuses = await options.store.statuses(people.map((person) => person.id));
  const plan: ReminderPlan = { toRemind: [], recentlyReminded: [], optedOut: [], intervalDays: options.intervalDays };
  for (const person of people) {
    const status = statuses.get(person.id);
    if (status?.optedOutAt) plan.optedOut.push(person);
    else if (status?.lastRemindedAt && status.lastRemindedAt.getTime() > cutoff) plan.recentlyReminded.push(person);
    else plan.toRemind.push(person);
  }
  return plan;
}

/** Default reminder text: friendly, says how to set a photo with the bot and how to opt out. */
export function defaultReminderText(person: AuditPerson): string {
  const firstName = person.name.split(/\s+/)[0] || 'there';
  return (
    `Hi ${firstName}! Your RingCentral profile doesn't have a photo yet. ` +
    'A photo helps colleagues recognise you in chats and meetings. ' +
    'Just send me a picture here (attach an image to a message) and I will set it as your profile photo. ' +
    'If you would rather not get these reminders, reply "stop reminding me".'
  );
}

/** The seam to the commands layer: post `text` in the direct chat with that extension. */
export type SendDirectMessage = (extensionId: string, text: string) => Promise<void>;

export interface SendRemindersOptions {
  /** Usually `plan.toRemind`; each person is re-checked against the store before sending. */
  people: readonly AuditPerson[];
  store: ReminderStore;
  sendDirectMessage: SendDirectMessage;
  intervalDays: number;
  text?: (person: AuditPerson) => string;
  /** Messages in flight at once (default 2). */
  concurrency?: number;
  /**
   * At most `intervalCap` messages start per `intervalMs` (defaults 10 per 60,000 ms). A
   * direct message is two Medium-group calls (open the conversation, create the post;
   * docs/ringcentral-notes.md §2.4), and the Medium limit is 40 a minute (§5.3), so the default uses half of it.
   */
  intervalCap?: number;
  intervalMs?: number;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SendRemindersResult {
  sent: string[];
  /** Opted out or reminded by someone else meanwhile. */
  skipped: string[];
  failed: { id: string; error: string }[];
}

/**
 * Send one reminder DM to each person, paced with p-queue (concurrency and per-interval
 * cap). Each send is preceded by an atomic claim in the store, so two overlapping runs (or
 * instances) never message the same person twice within `intervalDays`; a failed send gives
 * its claim back. Never throws for a single failed message (see `failed`); when `signal`
 * aborts, messages not yet started are dropped and the promise resolves with what was done.
 */
export async function sendReminders(options: SendRemindersOptions): Promise<SendRemindersResult> {
  if (!(options.intervalDays > 0)) throw new RangeError('intervalDays must be a positive number of days');
  const intervalMs = options.intervalDays * DAY_MS;
  const text = options.text ?? defaultReminderText;
  const now = options.now ?? (() => new Date());
  const queue = new PQueue({
    concurrency: options.concurrency ?? 2,
    intervalCap: options.intervalCap ?? 10,
    interval: options.intervalMs ?? 60_000,
  });
  const result: SendRemindersResult = { sent: [], skipped: [], failed: [] };
  const total = options.people.length;
  let done = 0;
  const finishOne = () => {
    done++;
    options.onProgress?.(done, total);
  };
  const jobs = options.people.map((person) =>
    queue.add(async () => {
      let claim: { claimed: boolean; previous: number | null };
      try {
        claim = await options.store.claimReminder(person.id, now(), intervalMs);
      } catch (error) {
        result.failed.push({ id: person.id, error: error instanceof Error ? error.message : String(error) });
        finishOne();
        return;
      }
      if (!claim.claimed) {
        result.skipped.push(person.id);
        finishOne();
        return;
      }
      try {
        await options.sendDirectMessage(person.id, text(person));
        result.sent.push(person.id);
      } catch (error) {
        await options.store.releaseReminder(person.id, claim.previous).catch(() => undefined);
        result.failed.push({ id: person.id, error: error instanceof Error ? error.message : String(error) });
      }
      finishOne();
    }, options.signal ? { signal: options.signal } : {}),
  );
  // An aborted signal rejects the jobs that had not started; those people get nothing.
  await Promise.allSettled(jobs);
  return result;
}
