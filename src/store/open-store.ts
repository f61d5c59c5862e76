/**
 * Opens the Store a DATABASE_URL names: connects (with bounded retries), runs the pending
 * migrations once across instances, and returns the one door every other module uses.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { createAuditStore } from './audit-store.ts';
import { connect, type ConnectOptions } from './connect.ts';
import { startWalCheckpointer } from './wal-checkpointer.ts';
import { createInbox } from './inbox-store.ts';
import { createLeases } from './leases-store.ts';
import { createEffects } from './effects-store.ts';
import { createChatProgressStore } from './chat-progress-store.ts';
import { DEFAULT_ACCOUNT_ID, runMigrations } from './migrations.ts';
import { createRateGrants } from './rate-grants-store.ts';
import { createReminderJobs } from './reminder-jobs-store.ts';
import { createAuditJobs } from './audit-jobs-store.ts';
import type { Store } from './store.ts';

export { DatabaseUnavailableError, dialectOf, redactDatabaseUrl } from './connect.ts';

export interface OpenStoreOptions extends ConnectOptions {
  /** This process's id in claims and leases; default `hostname:pid:random`. */
  instanceId?: string | undefined;
  /** How long an inbox claim holds without renewal, ms (default 30 000). */
  leaseMs?: number | undefined;
  /** The installation's RingCentral account id written on its rows (default `~`). */
  accountId?: string | undefined;
}

/** A fresh id for this process: `hostname:pid:random`. */
export function newInstanceId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Opens the store at `databaseUrl` (`file:<path>`, `file::memory:`, `postgres://…`,
 * `postgresql://…`) and applies pending migrations. Rejects with DatabaseUnavailableError
 * when the database can't be reached in time, or with the driver's error when a migration fails.
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const { db, dialect, file } = await connect(databaseUrl, options);
  let appliedMigrations: number[];
  try {
    appliedMigrations = await runMigrations(db, dialect);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const instanceId = options.instanceId ?? newInstanceId();
  const inbox = createInbox(db, dialect, { instanceId, accountId, leaseMs: options.leaseMs ?? 30_000 });
  let closed = false;
  const checkpointer = dialect === 'sqlite' && file ? startWalCheckpointer(file) : undefined;

  return {
    dialect,
    instanceId,
    file,
    appliedMigrations,
    inbox,
    audit: createAuditStore(db, accountId),
    leases: createLeases(db, accountId),
    effects: createEffects(db, accountId),
    chatProgress: createChatProgressStore(db, accountId),
    rateGrants: createRateGrants(db, dialect, instanceId, accountId),
    reminderJobs: createReminderJobs(db, dialect, accountId),
    auditJobs: createAuditJobs(db, dialect, accountId),
    async getSetting(key) {
      return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
    },
    async setSetting(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value, account_id: accountId })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    },
    async deleteSetting(key) {
      await db.deleteFrom('settings').where('key', '=', key).execute();
    },
    async getSealedUserTokens(extensionId) {
      return (await db.selectFrom('user_tokens').select('sealed').where('extension_id', '=', extensionId).executeTakeFirst())?.sealed;
    },
    async putSealedUserTokens(extensionId, sealed, now) {
      await db
        .insertInto('user_tokens')
        .values({ extension_id: extensionId, sealed, updated_at: now, account_id: accountId })
        .onConflict((oc) => oc.column('extension_id').doUpdateSet((eb) => ({ sealed: eb.ref('excluded.sealed'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    },
    async replaceSealedUserTokens(extensionId, expectedSealed, sealed, now) {
      const r = await db
        .updateTable('user_tokens')
        .set({ sealed, updated_at: now })
        .where('extension_id', '=', extensionId)
        .where('sealed', '=', expectedSealed)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async deleteSealedUserTokens(extensionId) {
      await db.deleteFrom('user_tokens').where('extension_id', '=', extensionId).execute();
    },
    async putPendingAuthorization(p) {
      await db
        .insertInto('pending_authorizations')
        .values({
          state: p.state,
          extension_id: p.extensionId,
          chat_id: p.chatId,
          code_verifier: p.codeVerifier,
          request: JSON.stringify(p.request),
          created_at: p.createdAt,
          expires_at: p.expiresAt,
          account_id: accountId,
        })
        .execute();
    },
    async takePendingAuthorization(state) {
      const row = await db.deleteFrom('pending_authorizations').where('state', '=', state).returningAll().executeTakeFirst();
      if (!row) return undefined;
      return {
        state: row.state,
        extensionId: row.extension_id,
        chatId: row.chat_id,
        codeVerifier: row.code_verifier,
        request: JSON.parse(row.request) as unknown,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      };
    },
    async deletePendingAuthorizationsOf(extensionId) {
      await db.deleteFrom('pending_authorizations').where('extension_id', '=', extensionId).execute();
    },
    async pruneExpiredAuthorizations(now) {
      return Number((await db.deleteFrom('pending_authorizations').where('expires_at', '<', now).executeTakeFirst()).numDeletedRows);
    },
    async getChatType(chatId) {
      return (await db.selectFrom('chat_types').select('type').where('chat_id', '=', chatId).executeTakeFirst())?.type;
    },
    async putChatType(chatId, type, now) {
      await db
        .insertInto('chat_types')
        .values({ chat_id: chatId, type, updated_at: now, account_id: accountId })
        .onConflict((oc) => oc.column('chat_id').doUpdateSet((eb) => ({ type: eb.ref('excluded.type'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}
