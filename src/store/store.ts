/**
 * The one door to the database: SQLite (embedded default) or PostgreSQL behind the same
 * interface (open-store.ts). Nothing outside src/store writes SQL. Times are ms since epoch.
 */
import type { Dialect } from './schema.ts';

/** Where an inbox event came from (`catch-up`: a post listed after a delivery gap, events/catch-up.ts). */
export type InboxSource = 'webhook' | 'websocket' | 'interactive' | 'internal' | 'catch-up';

export type InboxStatus = 'pending' | 'processing' | 'done' | 'failed';

/**
 * Dispatch lane: `heavy` for events that download and process photos, `light` for the rest, so
 * slow photo work never holds up quick answers.
 */
export type InboxLane = 'light' | 'heavy';

export interface InboxEvent {
  uuid: string;
  source: InboxSource;
  /** The JSON payload as received (parsed). */
  payload: unknown;
  lane: InboxLane;
  status: InboxStatus;
  attempts: number;
  receivedAt: number;
  /** The instance that holds the claim (this store's instance id right after a claim). */
  owner?: string | undefined;
  /** Until when the claim holds, ms since epoch; renew it while the work runs. */
  leaseUntil?: number | undefined;
  /** True when this claim took the event over from an instance whose lease expired. */
  takenOver?: boolean | undefined;
}

/** What the inbox is asked to keep. */
export interface InboxDelivery {
  uuid: string;
  source: InboxSource;
  payload: unknown;
  lane?: InboxLane | undefined;
  /**
   * What the event is, whatever the envelope (e.g. `PostAdded:<post id>`); a second delivery
   * with the same key is a duplicate even under another uuid (events/identity-of.ts).
   */
  identityKey?: string | undefined;
  /**
   * Whose work this is for fair order (e.g. `<chat id>:<sender id>`): work is claimed
   * round-robin across keys, so one busy key can't delay the others. Default: one shared key.
   */
  fairKey?: string | undefined;
  /**
   * True for an event the bot will not act on (its own posts, chatter not addressed to it): it
   * is kept as `done` at once, for deduplication only, and never claimed.
   */
  needsNoWork?: boolean | undefined;
}

/** The durable inbox behind the webhook: accept before answering 200, work from here. */
export interface Inbox {
  /**
   * Stores the event unless its uuid or its identity key was seen before (also across
   * restarts, within the retention). Resolves 'accepted' or 'duplicate'; the row is committed
   * when this resolves.
   */
  accept(event: InboxDelivery, now: number): Promise<'accepted' | 'duplicate'>;
  /**
   * Claims one event for this store's instance: a due pending event (of `lane`, or of any
   * lane), in fair order (round-robin across fair keys, then oldest first), or one whose
   * lease expired before `now` (its owner is presumed dead). Sets owner, lease
   * (`now + leaseMs`) and attempts + 1; undefined if none. Two instances never get the same event.
   */
  claimNext(now: number, lane?: InboxLane): Promise<InboxEvent | undefined>;
  /** Like claimNext, for up to `max` events in one statement (expired leases first); in claim order. */
  claimBatch(now: number, lane: InboxLane | undefined, max: number): Promise<InboxEvent[]>;
  /**
   * Extends this instance's lease on a claimed event to `now + leaseMs`; resolves false when
   * the event is no longer this instance's (lease lost, taken over).
   */
  renewLease(uuid: string, now: number): Promise<boolean>;
  /** Marks done, if this instance still holds the claim; resolves whether it did. */
  markDone(uuid: string, now: number): Promise<boolean>;
  /**
   * Back to pending, due at `retryAt`; or failed for good when `retryAt` is undefined. Only
   * while this instance holds the claim; resolves whether it did.
   */
  markFailed(uuid: string, error: string, now: number, retryAt?: number): Promise<boolean>;
  /**
   * Hands claimed events back (an instance that stops before finishing them): each one this
   * instance still holds goes back to `pending`, due at `now`, without owner or lease, and the
   * claim's attempt is not counted, so the next start or another instance takes it at once as if
   * it had never been claimed. Resolves the uuids handed back (events no longer this instance's
   * are left alone).
   */
  release(uuids: string[], now: number): Promise<string[]>;
  /** Counts by status (health, tests); maintained counters, as cheap at a million rows as at ten. */
  counts(): Promise<Record<InboxStatus, number>>;
  /**
   * Deletes done/failed rows finished before `olderThan`, in batches of PRUNE_BATCH with the
   * event loop running between them; resolves how many. Their uuids and identities stop being deduped.
   * On PostgreSQL it also folds the counters of closed connections into one row.
   */
  prune(olderThan: number): Promise<number>;
  /** One event by uuid, whatever its state (tests, diagnostics). */
  get(uuid: string): Promise<(InboxEvent & { lastError?: string | undefined }) | undefined>;
  /**
   * How many events with this fair key (one person in one chat) were received in [`from`,
   * `to`], ms, whatever their state (done ones until pruned), except those accepted as needing
   * no work (chatter the bot ignores is not a post to the bot). For flood control
   * (src/events/flood-guard.ts); uses the fair-key index.
   */
  countByFairKey(fairKey: string, from: number, to: number): Promise<number>;
  /** Events whose payload JSON contains `fragment` (tests, diagnostics; a full scan). */
  findByPayload(fragment: string): Promise<Array<InboxEvent & { lastError?: string | undefined }>>;
}

/** A person's authorization request that waits for them to come back from the consent page. */
export interface PendingAuthorization {
  state: string;
  extensionId: string;
  /** The chat where the request was made. */
  chatId: string;
  codeVerifier: string;
  /** The command to finish after sign-in (JSON-able). */
  request: unknown;
  createdAt: number;
  expiresAt: number;
}

/** One stored audit run (audit_history). */
export interface AuditHistoryRecord {
  id: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  apiCalls: number;
  extensions: number;
  withPhoto: number;
  withoutPhoto: number;
  shareWithPhoto: number;
  /** JSON-able filter the run used. */
  filter: unknown;
  missingIds: string[];
}

/** One scheduled audit run claimed in the ledger. */
export interface AuditRunRow {
  scheduledAt: number;
  instanceId: string;
  claimedAt: number;
  finishedAt?: number | undefined;
  outcome?: string | undefined;
  error?: string | undefined;
}

/** What the store keeps about one person's reminders. */
export interface ReminderRow {
  extensionId: string;
  lastRemindedAt?: number | undefined;
  optedOutAt?: number | undefined;
}

/** The audit's tables (history, scheduled-run ledger, admin chats, reminders, reminder plans). */
export interface AuditStore {
  /** Stores one run; keeps the newest `keep`; resolves the new id. */
  saveAudit(record: Omit<AuditHistoryRecord, 'id'>, keep: number): Promise<number>;
  /** The newest `limit` runs, newest first. */
  recentAudits(limit: number): Promise<AuditHistoryRecord[]>;
  /** True for the first caller per scheduled time, across every instance sharing the database. */
  claimScheduledRun(scheduledAt: number, instanceId: string, now: number): Promise<boolean>;
  lastScheduledRun(): Promise<number | undefined>;
  finishScheduledRun(scheduledAt: number, outcome: string, error: string | undefined, now: number): Promise<void>;
  /** Newest first. */
  recentScheduledRuns(limit: number): Promise<AuditRunRow[]>;
  /** Resolves false when the chat was registered already. */
  registerAdminChat(chatId: string, registeredBy: string, at: number): Promise<boolean>;
  /** Resolves false when it wasn't registered. */
  unregisterAdminChat(chatId: string): Promise<boolean>;
  hasAdminChat(chatId: string): Promise<boolean>;
  /** By registration time, then chat id. */
  listAdminChats(): Promise<Array<{ chatId: string; registeredBy: string; registeredAt: number }>>;
  optOutOfReminders(extensionId: string, at: number): Promise<void>;
  optInToReminders(extensionId: string): Promise<void>;
  reminderStatuses(extensionIds: readonly string[]): Promise<ReminderRow[]>;
  /**
   * Atomically takes the right to remind one person at `now`: only when not opted out and not
   * reminded after `now − intervalMs`; records `now`. `previous` is for releaseReminder.
   */
  claimReminder(extensionId: string, now: number, intervalMs: number): Promise<{ claimed: boolean; previous: number | null }>;
  /** Gives a claim back (restores the previous time). */
  releaseReminder(extensionId: string, previous: number | null): Promise<void>;
  /** Stores (replaces) the plan waiting for `confirm reminders`. */
  putReminderPlan(chatId: string, requesterId: string, createdAt: number, people: unknown): Promise<void>;
  /** Removes and returns the waiting plan (single use). */
  takeReminderPlan(chatId: string, requesterId: string): Promise<{ createdAt: number; people: unknown } | undefined>;
  /** Resolves whether there was one. */
  deleteReminderPlan(chatId: string, requesterId: string): Promise<boolean>;
}

/** Named leases: one holder at a time across instances (singleton work such as the subscription keeper). */
export interface Leases {
  /** Takes or renews `name` for `owner` until `now + ttlMs` when free, expired or already owned; resolves whether `owner` holds it. */
  acquire(name: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives it up if `owner` holds it. */
  release(name: string, owner: string): Promise<void>;
  /** The current holder while unexpired at `now`. */
  holder(name: string, now: number): Promise<string | undefined>;
}

/** One recorded side effect (table `effects`). */
export interface EffectRecord {
  /** Stable key derived from the event, e.g. `<event uuid>:reply:1`. */
  key: string;
  /** What the effect is, e.g. `post`, `card`, `profile-image`. */
  kind: string;
  /** Where it acts, e.g. the chat id or the extension id. */
  scope: string;
  /** `intended`: recorded before acting, outcome unknown; `done`: the act's result is recorded. */
  status: 'intended' | 'done';
  intentAt: number;
  doneAt?: number | undefined;
  /** JSON-able facts taken at intent time (e.g. the profile image's ETag before an upload). */
  detail?: unknown;
  /** What the act produced (e.g. the post id). */
  resultRef?: string | undefined;
}

/** Intent-then-result records of side effects, so a retry can tell what already happened. */
export interface Effects {
  /**
   * Records the intent of `key` at `now` unless a record exists. Resolves undefined when the
   * intent is new (act now), or the existing record (nothing written): `done` means the effect
   * happened; `intended` means an earlier attempt may or may not have acted.
   */
  intend(effect: { key: string; kind: string; scope: string; detail?: unknown }, now: number): Promise<EffectRecord | undefined>;
  /** Marks `key` done with what it produced. */
  complete(key: string, resultRef: string | undefined, now: number): Promise<void>;
  get(key: string): Promise<EffectRecord | undefined>;
  /** Which of `refs` are the result of some recorded effect of `kind` (e.g. post ids already accounted for). */
  takenRefs(kind: string, refs: readonly string[]): Promise<string[]>;
  /** Deletes records whose intent is older than `olderThan`; resolves how many. */
  prune(olderThan: number): Promise<number>;
}

/** The newest post the bot has seen in one chat (catch-up after a delivery gap starts after it). */
export interface ChatProgress {
  chatId: string;
  newestPostId: string;
  /** The post's `creationTime`, ms since epoch. */
  newestPostAt: number;
}

/** Per chat, the newest post seen (table `chat_progress`). */
export interface ChatProgressStore {
  /** Records a post seen in a chat; keeps whichever of the stored and this one is newer (by `postAt`). */
  notePost(chatId: string, postId: string, postAt: number, now: number): Promise<void>;
  /** One chat's progress, or undefined when no post of it was seen. */
  get(chatId: string): Promise<ChatProgress | undefined>;
  /** Chats with a post seen at or after `since`, newest first, at most `limit`. */
  activeSince(since: number, limit: number): Promise<ChatProgress[]>;
}

/**
 * A budget shared by every instance: grants of calls under a sliding window, kept as rows so a
 * restarted instance sees what was already spent (usage plan groups, REMINDERS_PER_MINUTE).
 */
export interface RateGrants {
  /**
   * Takes up to `want` (≥ 1) of `limit` calls per `windowMs` for `key` at `now`. A grant is
   * counted for `windowMs + validityMs` (its calls must start within `validityMs` of `now`).
   * Resolves how many were granted (0 when the window is full) and, when 0, the time (ms since
   * epoch) the oldest counted grant stops counting.
   */
  take(key: string, want: number, limit: number, windowMs: number, validityMs: number, now: number): Promise<{ granted: number; retryAt?: number | undefined }>;
  /** Calls granted for `key` counted at `now` (tests, diagnostics). */
  used(key: string, windowMs: number, validityMs: number, now: number): Promise<number>;
  /** Grant times and counts for `key`, oldest first (tests, diagnostics). */
  list(key: string): Promise<Array<{ grantedAt: number; count: number; instanceId: string }>>;
}

/** One reminder direct message waiting to be sent (table `reminder_jobs`). */
export interface ReminderJob {
  id: string;
  batchId: string;
  extensionId: string;
  name: string;
  attempts: number;
  /** The person's reminder time this job recorded before sending, if a previous holder got that far. */
  remindedAt?: number | undefined;
}

/** How a reminder job ended. */
export type ReminderJobOutcome = 'sent' | 'skipped' | 'failed';

/** A batch of reminders (one `confirm reminders`) and its jobs' outcomes. */
export interface ReminderBatchProgress {
  id: string;
  chatId: string;
  requesterId: string;
  total: number;
  pending: number;
  sent: number;
  skipped: number;
  failed: number;
  reportedAt?: number | undefined;
}

/** Durable reminder work shared by every instance: claimed with leases, survives restarts. */
export interface ReminderJobs {
  /** Stores a batch and one pending job per person (one transaction). */
  enqueue(batch: { id: string; chatId: string; requesterId: string; people: Array<{ id: string; name: string }> }, now: number): Promise<void>;
  /**
   * Claims the oldest due job for `owner` until `now + leaseMs`: a pending one, or one whose
   * lease expired (its instance is presumed dead). Two instances never get the same job.
   */
  claimNext(owner: string, now: number, leaseMs: number): Promise<ReminderJob | undefined>;
  /** Records the person's reminder time on the job before sending; false when `owner` lost it. */
  markReminded(id: string, owner: string, remindedAt: number): Promise<boolean>;
  /** Back to pending, due at `availableAt` (no budget yet); false when `owner` lost it. */
  release(id: string, owner: string, availableAt: number): Promise<boolean>;
  /** Ends the job; false when `owner` lost it. */
  finish(id: string, owner: string, outcome: ReminderJobOutcome, error: string | undefined, now: number): Promise<boolean>;
  /** The batch with its counts; undefined when unknown. */
  progress(batchId: string): Promise<ReminderBatchProgress | undefined>;
  /** True for the first caller only: the right to post the batch's summary. */
  claimReport(batchId: string, now: number): Promise<boolean>;
  /** Jobs not yet ended (pending or claimed), across batches. */
  unfinished(): Promise<number>;
}

/** One requested audit (table `audit_jobs`). */
export interface AuditJobRow {
  id: string;
  chatId: string;
  requesterId: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  owner?: string | undefined;
  attempts: number;
  pagesDone: number;
  pagesTotal?: number | undefined;
  extensionsDone: number;
  createdAt: number;
  error?: string | undefined;
}

/** Durable audit jobs: a long audit runs from here, outside the dispatcher, on any instance. */
export interface AuditJobs {
  /** Queues an audit for `chatId` unless one is already pending or running there; resolves the job and whether it is new. */
  enqueue(job: { id: string; chatId: string; requesterId: string }, now: number): Promise<{ job: AuditJobRow; created: boolean }>;
  /** Claims the oldest pending job, or a running one whose lease expired (started again from the first page). */
  claimNext(owner: string, now: number, leaseMs: number): Promise<AuditJobRow | undefined>;
  /** Renews the lease and records progress; false when `owner` lost the job. */
  progress(id: string, owner: string, now: number, leaseMs: number, p?: { pagesDone: number; pagesTotal?: number | undefined; extensionsDone: number }): Promise<boolean>;
  /** Ends the job; false when `owner` lost it. */
  finish(id: string, owner: string, status: 'done' | 'failed', error: string | undefined, now: number): Promise<boolean>;
  get(id: string): Promise<AuditJobRow | undefined>;
}

export interface Store {
  readonly dialect: Dialect;
  /** This process's id in claims and leases. */
  readonly instanceId: string;
  /** The SQLite file (undefined for PostgreSQL and `:memory:`). */
  readonly file?: string | undefined;
  /** The migration versions this open applied (empty when the schema was current, or another instance did them). */
  readonly appliedMigrations: readonly number[];

  /** Small key/value settings (bot install, generated secrets). */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<void>;

  inbox: Inbox;
  audit: AuditStore;
  leases: Leases;
  effects: Effects;
  chatProgress: ChatProgressStore;
  rateGrants: RateGrants;
  reminderJobs: ReminderJobs;
  auditJobs: AuditJobs;

  /** Sealed (encrypted) user tokens, one row per extension. */
  getSealedUserTokens(extensionId: string): Promise<string | undefined>;
  putSealedUserTokens(extensionId: string, sealed: string, now: number): Promise<void>;
  /**
   * Compare-and-set: replaces the sealed tokens only while the stored value is still
   * `expectedSealed` (what this instance read); resolves whether it did. Two instances refreshing
   * at once can't overwrite the newer token set with an older one.
   */
  replaceSealedUserTokens(extensionId: string, expectedSealed: string, sealed: string, now: number): Promise<boolean>;
  deleteSealedUserTokens(extensionId: string): Promise<void>;

  putPendingAuthorization(p: PendingAuthorization): Promise<void>;
  /** Removes and returns the entry (single use); undefined when unknown. Expiry is the caller's check. */
  takePendingAuthorization(state: string): Promise<PendingAuthorization | undefined>;
  /** Deletes every pending authorization of an extension. */
  deletePendingAuthorizationsOf(extensionId: string): Promise<void>;
  /** Deletes pending authorizations that expired before `now`; returns how many. */
  pruneExpiredAuthorizations(now: number): Promise<number>;

  /** Cached chat types (Direct, Group, Team, Personal, Everyone). */
  getChatType(chatId: string): Promise<string | undefined>;
  putChatType(chatId: string, type: string, now: number): Promise<void>;

  close(): Promise<void>;
}
