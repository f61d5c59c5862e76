/**
 * The SQLite implementation of Store over better-sqlite3: WAL journal, migrations on open,
 * every write committed before its promise resolves.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations } from './migrations.ts';
import type { Inbox, InboxEvent, InboxLane, InboxSource, InboxStatus, PendingAuthorization, Store } from './store.ts';

interface InboxRow {
  uuid: string;
  source: InboxSource;
  payload: string;
  lane: InboxLane;
  status: InboxStatus;
  attempts: number;
  received_at: number;
}

/**
 * Opens (creating folders and the file if needed) the SQLite database at `filePath`
 * (`:memory:` allowed), switches on WAL and runs pending migrations.
 * Throws the driver's error when the file can't be opened or a migration fails.
 */
export function openSqliteStore(filePath: string): Store {
  if (filePath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const db = new Database(filePath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  runMigrations(db);

  const q = {
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    deleteSetting: db.prepare('DELETE FROM settings WHERE key = ?'),
    accept: db.prepare(
      `INSERT INTO inbox (uuid, source, payload, lane, status, attempts, received_at, available_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT(uuid) DO NOTHING`,
    ),
    nextDue: db.prepare<[number], InboxRow>(
      `SELECT uuid, source, payload, lane, status, attempts, received_at FROM inbox
       WHERE status = 'pending' AND available_at <= ? ORDER BY received_at, rowid LIMIT 1`,
    ),
    nextDueInLane: db.prepare<[InboxLane, number], InboxRow>(
      `SELECT uuid, source, payload, lane, status, attempts, received_at FROM inbox
       WHERE lane = ? AND status = 'pending' AND available_at <= ? ORDER BY received_at, rowid LIMIT 1`,
    ),
    markProcessing: db.prepare(`UPDATE inbox SET status = 'processing', attempts = attempts + 1 WHERE uuid = ? AND status = 'pending'`),
    markDone: db.prepare(`UPDATE inbox SET status = 'done', finished_at = ?, last_error = NULL WHERE uuid = ?`),
    markRetry: db.prepare(`UPDATE inbox SET status = 'pending', available_at = ?, last_error = ? WHERE uuid = ?`),
    markFailed: db.prepare(`UPDATE inbox SET status = 'failed', finished_at = ?, last_error = ? WHERE uuid = ?`),
    recover: db.prepare(`UPDATE inbox SET status = 'pending' WHERE status = 'processing'`),
    counts: db.prepare<[], { status: InboxStatus; n: number }>('SELECT status, COUNT(*) AS n FROM inbox GROUP BY status'),
    prune: db.prepare(`DELETE FROM inbox WHERE status IN ('done','failed') AND finished_at < ?`),
    getTokens: db.prepare<[string], { sealed: string }>('SELECT sealed FROM user_tokens WHERE extension_id = ?'),
    putTokens: db.prepare(
      `INSERT INTO user_tokens (extension_id, sealed, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(extension_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    ),
    deleteTokens: db.prepare('DELETE FROM user_tokens WHERE extension_id = ?'),
    putPending: db.prepare(
      `INSERT INTO pending_authorizations (state, extension_id, chat_id, code_verifier, request, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getPending: db.prepare<
      [string],
      { state: string; extension_id: string; chat_id: string; code_verifier: string; request: string; created_at: number; expires_at: number }
    >('SELECT * FROM pending_authorizations WHERE state = ?'),
    deletePending: db.prepare('DELETE FROM pending_authorizations WHERE state = ?'),
    deletePendingOf: db.prepare('DELETE FROM pending_authorizations WHERE extension_id = ?'),
    pruneExpired: db.prepare('DELETE FROM pending_authorizations WHERE expires_at < ?'),
    getChatType: db.prepare<[string], { type: string }>('SELECT type FROM chat_types WHERE chat_id = ?'),
    putChatType: db.prepare(
      `INSERT INTO chat_types (chat_id, type, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(chat_id) DO UPDATE SET type = excluded.type, updated_at = excluded.updated_at`,
    ),
  };

  const claim = db.transaction((now: number, lane?: InboxLane): InboxEvent | undefined => {
    const row = lane ? q.nextDueInLane.get(lane, now) : q.nextDue.get(now);
    if (!row) return undefined;
    q.markProcessing.run(row.uuid);
    return {
      uuid: row.uuid,
      source: row.source,
      payload: JSON.parse(row.payload) as unknown,
      lane: row.lane,
      status: 'processing',
      attempts: row.attempts + 1,
      receivedAt: row.received_at,
    };
  });

  const take = db.transaction((state: string) => {
    const row = q.getPending.get(state);
    if (row) q.deletePending.run(state);
    return row;
  });

  let closed = false;

  const inbox: Inbox = {
    async accept(event, now) {
      const r = q.accept.run(event.uuid, event.source, JSON.stringify(event.payload), event.lane ?? 'light', now, now);
      return r.changes === 1 ? 'accepted' : 'duplicate';
    },
    async claimNext(now, lane) {
      return claim(now, lane);
    },
    async markDone(uuid, now) {
      q.markDone.run(now, uuid);
    },
    async markFailed(uuid, error, now, retryAt) {
      if (retryAt === undefined) q.markFailed.run(now, error.slice(0, 2000), uuid);
      else q.markRetry.run(retryAt, error.slice(0, 2000), uuid);
    },
    async recoverInterrupted() {
      return q.recover.run().changes;
    },
    async counts() {
      const out: Record<InboxStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
      for (const r of q.counts.all()) out[r.status] = r.n;
      return out;
    },
    async prune(olderThan) {
      return q.prune.run(olderThan).changes;
    },
  };

  return {
    sqlite: db,
    inbox,
    async getSetting(key) {
      return q.getSetting.get(key)?.value;
    },
    async setSetting(key, value) {
      q.setSetting.run(key, value);
    },
    async deleteSetting(key) {
      q.deleteSetting.run(key);
    },
    async getSealedUserTokens(extensionId) {
      return q.getTokens.get(extensionId)?.sealed;
    },
    async putSealedUserTokens(extensionId, sealed, now) {
      q.putTokens.run(extensionId, sealed, now);
    },
    async deleteSealedUserTokens(extensionId) {
      q.deleteTokens.run(extensionId);
    },
    async putPendingAuthorization(p: PendingAuthorization) {
      q.putPending.run(p.state, p.extensionId, p.chatId, p.codeVerifier, JSON.stringify(p.request), p.createdAt, p.expiresAt);
    },
    async takePendingAuthorization(state) {
      const row = take(state);
      if (!row) return undefined;
      return {
        state: row.state,
        extensionId: row.extension_id,
        chatId: row.chat_id,
        codeVerifier: row.code_verifier,
        request: JSON.parse(row.request) as unknown,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      };
    },
    async deletePendingAuthorizationsOf(extensionId) {
      q.deletePendingOf.run(extensionId);
    },
    async pruneExpiredAuthorizations(now) {
      return q.pruneExpired.run(now).changes;
    },
    async getChatType(chatId) {
      return q.getChatType.get(chatId)?.type;
    },
    async putChatType(chatId, type, now) {
      q.putChatType.run(chatId, type, now);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** Opens the store a `DATABASE_URL` names (`file:<path>`); throws for other schemes. */
export function openStore(databaseUrl: string): Store {
  if (!databaseUrl.startsWith('file:')) throw new Error(`DATABASE_URL scheme not supported: ${databaseUrl.split(':')[0]}`);
  return openSqliteStore(databaseUrl.slice('file:'.length));
}
