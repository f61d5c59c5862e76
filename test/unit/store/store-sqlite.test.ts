/** The store contract on SQLite, plus what only SQLite has: the file, its modes, WAL, old files. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/migrations.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { waitUntil } from '../../helpers/wait-until.ts';
import { storeContract } from './store-contract.ts';

describe('store on SQLite', () => {
  storeContract(async () => tempDatabase());
});

describe('SQLite file', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('is created 0600 in a folder created 0700, in WAL mode, with every migration recorded', async () => {
    const tmp = tempDatabase();
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'nested', 'bot.sqlite');
    const store = await openStore(`file:${file}`);
    await store.setSetting('a', '1');
    await store.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const raw = new Database(file, { readonly: true });
    cleanups.push(() => void raw.close());
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(migrations.map((m) => ({ version: m.version })).sort((a, b) => a.version - b.version));
    expect(migrations.map((m) => m.version)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  });

  it('narrows an existing database file readable by others to 0600', async () => {
    const tmp = tempDatabase();
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'bot.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    const store = await openStore(`file:${file}`);
    await store.setSetting('a', '1');
    await store.close();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('checkpoints the WAL into the database file on its own, while the store stays open', async () => {
    const tmp = tempDatabase();
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'bot.sqlite');
    const store = await openStore(`file:${file}`);
    cleanups.push(() => store.close());
    const before = fs.statSync(file).size;
    // ~2 MB of rows: far below the automatic threshold, so only the checkpoint thread moves them.
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.inbox.accept({ uuid: `w${i}`, source: 'webhook', payload: 'x'.repeat(4000) }, 1)));
    await waitUntil(() => (fs.statSync(file).size > before + 1_000_000 ? true : undefined), 'the rows to reach the database file');
    expect(await store.inbox.counts()).toMatchObject({ pending: 500 });
  });

  it('a file from the first version migrates forward and keeps its data', async () => {
    const tmp = tempDatabase();
    cleanups.push(tmp.cleanup);
    // The first version's schema (migrations 1 and 2 as it ran them) and its on-demand audit tables.
    const old = new Database(tmp.file);
    old.exec(`
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE inbox (uuid TEXT PRIMARY KEY, source TEXT NOT NULL, payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','processing','done','failed')), attempts INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL, available_at INTEGER NOT NULL, finished_at INTEGER, last_error TEXT);
      CREATE INDEX inbox_due ON inbox (status, available_at, received_at);
      CREATE TABLE user_tokens (extension_id TEXT PRIMARY KEY, sealed TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE pending_authorizations (state TEXT PRIMARY KEY, extension_id TEXT NOT NULL, chat_id TEXT NOT NULL,
        code_verifier TEXT NOT NULL, request TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX pending_authorizations_extension ON pending_authorizations (extension_id);
      CREATE TABLE chat_types (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, updated_at INTEGER NOT NULL);
      ALTER TABLE inbox ADD COLUMN lane TEXT NOT NULL DEFAULT 'light';
      CREATE INDEX inbox_lane_due ON inbox (lane, status, available_at, received_at);
      INSERT INTO schema_migrations VALUES (1, 'v1', 1), (2, 'v2', 2);
      INSERT INTO settings VALUES ('bot.token', 'sealed-bot');
      INSERT INTO user_tokens VALUES ('42', 'sealed-user', 5);
      INSERT INTO inbox (uuid, source, payload, status, attempts, received_at, available_at) VALUES ('old-1', 'webhook', '{"x":1}', 'pending', 0, 10, 10);
      CREATE TABLE audit_admin_chats (chat_id TEXT PRIMARY KEY, registered_by TEXT NOT NULL, registered_at INTEGER NOT NULL);
      INSERT INTO audit_admin_chats VALUES ('900', '7', 3);
      CREATE TABLE audit_run_ledger (scheduled_at INTEGER PRIMARY KEY, instance_id TEXT NOT NULL, claimed_at INTEGER NOT NULL, finished_at INTEGER, outcome TEXT, error TEXT);
      INSERT INTO audit_run_ledger (scheduled_at, instance_id, claimed_at) VALUES (60000, 'old', 1);
    `);
    old.close();
    const store = await openStore(tmp.url);
    cleanups.push(() => store.close());
    expect(await store.getSetting('bot.token')).toBe('sealed-bot');
    expect(await store.getSealedUserTokens('42')).toBe('sealed-user');
    expect(await store.audit.listAdminChats()).toEqual([{ chatId: '900', registeredBy: '7', registeredAt: 3 }]);
    expect(await store.audit.lastScheduledRun()).toBe(60_000);
    expect(await store.audit.claimScheduledRun(60_000, 'new', 2)).toBe(false);
    expect(await store.inbox.claimNext(100)).toMatchObject({ uuid: 'old-1', payload: { x: 1 }, lane: 'light', attempts: 1 });
  });

  it('an unusable DATABASE_URL fails with one line naming it, without the password', async () => {
    await expect(openStore('mysql://u:secret@h/db')).rejects.toThrow(/^DATABASE_URL scheme not supported: mysql/);
    const err = await openStore('postgres://bot:hunter2@127.0.0.1:1/db', { connectTimeoutMs: 600 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^could not open the database at DATABASE_URL=postgres:\/\/bot:\*\*\*@127\.0\.0\.1:1\/db: ECONNREFUSED$/);
    expect((err as Error).message).not.toContain('hunter2');
    // the pg driver also takes passwords as query parameters
    const inQuery = await openStore('postgres://127.0.0.1:1/db?password=hunter3&sslpassword=hunter4', { connectTimeoutMs: 600 }).catch((e: Error) => e);
    expect((inQuery as Error).message).toContain('password=***&sslpassword=***');
    expect((inQuery as Error).message).not.toMatch(/hunter[34]/);
  });
});
