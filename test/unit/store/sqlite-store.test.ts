import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../src/store/sqlite-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(file?: string): { store: Store; file: string } {
  const db = file ? { file, cleanup: () => undefined } : tempDatabase();
  const store = openSqliteStore(db.file);
  cleanups.push(db.cleanup, () => store.close());
  return { store, file: db.file };
}

describe('openSqliteStore', () => {
  it('runs migrations once and uses WAL', async () => {
    const { store, file } = open();
    await store.close();
    const again = openSqliteStore(file);
    cleanups.push(() => again.close());
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 1 }, { version: 2 }]);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps settings', async () => {
    const { store } = open();
    expect(await store.getSetting('a')).toBeUndefined();
    await store.setSetting('a', '1');
    await store.setSetting('a', '2');
    expect(await store.getSetting('a')).toBe('2');
    await store.deleteSetting('a');
    expect(await store.getSetting('a')).toBeUndefined();
  });
});

describe('inbox', () => {
  it('accepts a uuid once, also after reopening the file (dedupe across restarts)', async () => {
    const { store, file } = open();
    expect(await store.inbox.accept({ uuid: 'u1', source: 'webhook', payload: { a: 1 } }, 1000)).toBe('accepted');
    expect(await store.inbox.accept({ uuid: 'u1', source: 'webhook', payload: { a: 2 } }, 1001)).toBe('duplicate');
    await store.close();
    const reopened = openSqliteStore(file);
    cleanups.push(() => reopened.close());
    expect(await reopened.inbox.accept({ uuid: 'u1', source: 'webhook', payload: {} }, 1002)).toBe('duplicate');
    const ev = await reopened.inbox.claimNext(2000);
    expect(ev).toMatchObject({ uuid: 'u1', payload: { a: 1 }, attempts: 1, status: 'processing' });
  });

  it('hands out events oldest first, each once', async () => {
    const { store } = open();
    await store.inbox.accept({ uuid: 'b', source: 'webhook', payload: 2 }, 20);
    await store.inbox.accept({ uuid: 'a', source: 'webhook', payload: 1 }, 10);
    expect((await store.inbox.claimNext(100))?.uuid).toBe('a');
    expect((await store.inbox.claimNext(100))?.uuid).toBe('b');
    expect(await store.inbox.claimNext(100)).toBeUndefined();
    await store.inbox.markDone('a', 101);
    expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 1, done: 1, failed: 0 });
  });

  it('hands out events per lane', async () => {
    const { store } = open();
    await store.inbox.accept({ uuid: 'photo', source: 'webhook', payload: {}, lane: 'heavy' }, 1);
    await store.inbox.accept({ uuid: 'text', source: 'webhook', payload: {} }, 2);
    expect((await store.inbox.claimNext(10, 'light'))?.uuid).toBe('text');
    expect(await store.inbox.claimNext(10, 'light')).toBeUndefined();
    expect(await store.inbox.claimNext(10, 'heavy')).toMatchObject({ uuid: 'photo', lane: 'heavy' });
  });

  it('puts interrupted events back to pending on recovery (crash between accept and done)', async () => {
    const { store, file } = open();
    await store.inbox.accept({ uuid: 'x', source: 'webhook', payload: {} }, 1);
    await store.inbox.claimNext(2);
    await store.close();
    const reopened = openSqliteStore(file);
    cleanups.push(() => reopened.close());
    expect(await reopened.inbox.recoverInterrupted()).toBe(1);
    expect(await reopened.inbox.claimNext(3)).toMatchObject({ uuid: 'x', attempts: 2 });
  });

  it('delays retries until they are due and keeps failures', async () => {
    const { store } = open();
    await store.inbox.accept({ uuid: 'r', source: 'webhook', payload: {} }, 1);
    await store.inbox.claimNext(1);
    await store.inbox.markFailed('r', 'busy', 2, 500);
    expect(await store.inbox.claimNext(499)).toBeUndefined();
    expect((await store.inbox.claimNext(500))?.uuid).toBe('r');
    await store.inbox.markFailed('r', 'gave up', 600);
    expect(await store.inbox.counts()).toMatchObject({ failed: 1, pending: 0 });
  });

  it('forgets finished uuids only when pruned', async () => {
    const { store } = open();
    await store.inbox.accept({ uuid: 'p', source: 'webhook', payload: {} }, 1);
    await store.inbox.claimNext(1);
    await store.inbox.markDone('p', 10);
    expect(await store.inbox.prune(5)).toBe(0);
    expect(await store.inbox.prune(11)).toBe(1);
    expect(await store.inbox.accept({ uuid: 'p', source: 'webhook', payload: {} }, 12)).toBe('accepted');
  });
});

describe('pending authorizations', () => {
  it('are taken once', async () => {
    const { store } = open();
    const p = { state: 's1', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: { kind: 'x' }, createdAt: 1, expiresAt: 2 };
    await store.putPendingAuthorization(p);
    expect(await store.takePendingAuthorization('s1')).toEqual(p);
    expect(await store.takePendingAuthorization('s1')).toBeUndefined();
  });

  it('expired ones are pruned', async () => {
    const { store } = open();
    await store.putPendingAuthorization({ state: 'old', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 100 });
    await store.putPendingAuthorization({ state: 'new', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 300 });
    expect(await store.pruneExpiredAuthorizations(200)).toBe(1);
    expect(await store.takePendingAuthorization('old')).toBeUndefined();
    expect(await store.takePendingAuthorization('new')).toBeDefined();
  });

  it('are deleted per extension', async () => {
    const { store } = open();
    await store.putPendingAuthorization({ state: 's2', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 2 });
    await store.deletePendingAuthorizationsOf('e');
    expect(await store.takePendingAuthorization('s2')).toBeUndefined();
  });
});
