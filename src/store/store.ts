/**
 * The one door to the database. SQLite implements it (sqlite-store.ts); a Postgres
 * implementation can follow behind the same interface. Methods are async for that reason.
 * Times are ms since epoch.
 */
import type Database from 'better-sqlite3';

/** Where an inbox event came from. */
export type InboxSource = 'webhook' | 'websocket' | 'interactive' | 'internal';

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
}

/** The durable inbox behind the webhook: accept before answering 200, work from here. */
export interface Inbox {
  /**
   * Stores the event unless its uuid was seen before (also across restarts, within the retention).
   * Resolves 'accepted' or 'duplicate'. The row is committed when this resolves.
   */
  accept(event: { uuid: string; source: InboxSource; payload: unknown; lane?: InboxLane }, now: number): Promise<'accepted' | 'duplicate'>;
  /**
   * Takes the oldest due pending event (of `lane`, or of any lane) and marks it processing
   * (attempts + 1); undefined if none.
   */
  claimNext(now: number, lane?: InboxLane): Promise<InboxEvent | undefined>;
  markDone(uuid: string, now: number): Promise<void>;
  /** Back to pending, due at `retryAt`; or failed for good when `retryAt` is undefined. */
  markFailed(uuid: string, error: string, now: number, retryAt?: number): Promise<void>;
  /** Puts events left 'processing' by a crash back to pending; returns how many. */
  recoverInterrupted(): Promise<number>;
  /** Counts by status (health, tests). */
  counts(): Promise<Record<InboxStatus, number>>;
  /** Deletes done/failed rows finished before `olderThan`; their uuids stop being deduped. */
  prune(olderThan: number): Promise<number>;
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

export interface Store {
  /** Small key/value settings (bot install, generated secrets). */
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<void>;

  inbox: Inbox;

  /** Sealed (encrypted) user tokens, one row per extension. */
  getSealedUserTokens(extensionId: string): Promise<string | undefined>;
  putSealedUserTokens(extensionId: string, sealed: string, now: number): Promise<void>;
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

  /** The SQLite handle for modules that keep their own tables (audit ledger); undefined elsewhere. */
  readonly sqlite?: Database.Database;
  close(): Promise<void>;
}
