/**
 * The store's contract, run unchanged against every database (store-sqlite.test.ts,
 * store-postgres.test.ts). `newDatabase()` gives a fresh empty database URL per test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/migrations.ts';
import { PRUNE_BATCH } from '../../../src/store/inbox-store.ts';
import { openStore, type OpenStoreOptions } from '../../../src/store/open-store.ts';
import type { InboxEvent, Store } from '../../../src/store/store.ts';

export function storeContract(newDatabase: () => Promise<{ url: string; cleanup: () => Promise<void> | void }>): void {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function fresh(): Promise<string> {
    const db = await newDatabase();
    cleanups.push(db.cleanup);
    return db.url;
  }
  async function open(url: string, options: OpenStoreOptions = {}): Promise<Store> {
    const store = await openStore(url, { leaseMs: 1000, ...options });
    cleanups.push(() => store.close());
    return store;
  }
  async function one(options: OpenStoreOptions = {}): Promise<Store> {
    return open(await fresh(), options);
  }

  describe('settings', () => {
    it('keeps, replaces and deletes', async () => {
      const store = await one();
      expect(await store.getSetting('a')).toBeUndefined();
      await store.setSetting('a', '1');
      await store.setSetting('a', '2');
      expect(await store.getSetting('a')).toBe('2');
      await store.deleteSetting('a');
      expect(await store.getSetting('a')).toBeUndefined();
    });
  });

  describe('migrations', () => {
    it('run once when three stores open the same database at the same time', async () => {
      const url = await fresh();
      const stores = await Promise.all([open(url), open(url), open(url)]);
      const applied = stores.flatMap((s) => s.appliedMigrations).sort((a, b) => a - b);
      expect(applied).toEqual(migrations.map((m) => m.version));
      await stores[0]!.setSetting('k', 'v');
      expect(await stores[2]!.getSetting('k')).toBe('v');
      const again = await open(url);
      expect(await again.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 0, failed: 0 });
    });
  });

  describe('inbox', () => {
    it('accepts a uuid once, also after reopening (dedupe across restarts)', async () => {
      const url = await fresh();
      const store = await open(url);
      expect(await store.inbox.accept({ uuid: 'u1', source: 'webhook', payload: { a: 1 } }, 1000)).toBe('accepted');
      expect(await store.inbox.accept({ uuid: 'u1', source: 'webhook', payload: { a: 2 } }, 1001)).toBe('duplicate');
      await store.close();
      const reopened = await open(url);
      expect(await reopened.inbox.accept({ uuid: 'u1', source: 'webhook', payload: {} }, 1002)).toBe('duplicate');
      const ev = await reopened.inbox.claimNext(2000);
      expect(ev).toMatchObject({ uuid: 'u1', payload: { a: 1 }, attempts: 1, status: 'processing', owner: reopened.instanceId, leaseUntil: 3000 });
    });

    it('accepts the same event once whatever its uuid (identity key)', async () => {
      const store = await one();
      const post = { eventType: 'PostAdded', id: 'p1' };
      expect(await store.inbox.accept({ uuid: 'via-sub-1', source: 'webhook', payload: post, identityKey: 'post:PostAdded:p1' }, 1)).toBe('accepted');
      expect(await store.inbox.accept({ uuid: 'via-sub-2', source: 'websocket', payload: post, identityKey: 'post:PostAdded:p1' }, 2)).toBe('duplicate');
      expect(await store.inbox.accept({ uuid: 'other', source: 'webhook', payload: post, identityKey: 'post:PostAdded:p2' }, 3)).toBe('accepted');
      // Events without an identity are told apart by uuid only.
      expect(await store.inbox.accept({ uuid: 'n1', source: 'webhook', payload: {} }, 4)).toBe('accepted');
      expect(await store.inbox.accept({ uuid: 'n2', source: 'webhook', payload: {} }, 5)).toBe('accepted');
      expect(await store.inbox.counts()).toMatchObject({ pending: 4 });
    });

    it('fails only the accept that cannot be stored, never the ones committed with it', async () => {
      const store = await one();
      const unstorable = { n: 1n }; // JSON.stringify throws on a BigInt
      const answers = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) => store.inbox.accept({ uuid: `ok${i}`, source: 'webhook', payload: { i } }, 1000 + i)),
        store.inbox.accept({ uuid: 'bad', source: 'webhook', payload: unstorable }, 1000),
      ]);
      expect(answers.slice(0, 20).map((a) => (a.status === 'fulfilled' ? a.value : 'rejected'))).toEqual(Array(20).fill('accepted'));
      expect(answers[20]!.status).toBe('rejected');
      expect(await store.inbox.counts()).toEqual({ pending: 20, processing: 0, done: 0, failed: 0 });
      expect(await store.inbox.get('bad')).toBeUndefined();
    });

    it('keeps every one of many accepts arriving together, each answered on its own (group commit)', async () => {
      const store = await one();
      const uuids = Array.from({ length: 300 }, (_, i) => `g${i}`);
      const answers = await Promise.all([
        ...uuids.map((uuid, i) => store.inbox.accept({ uuid, source: 'webhook', payload: { i }, fairKey: `k${i % 7}` }, 1000 + i)),
        store.inbox.accept({ uuid: 'g5', source: 'webhook', payload: 'again' }, 2000),
      ]);
      expect(answers.slice(0, 300).every((a) => a === 'accepted')).toBe(true);
      expect(answers[300]).toBe('duplicate');
      expect(await store.inbox.counts()).toEqual({ pending: 300, processing: 0, done: 0, failed: 0 });
      expect((await store.inbox.get('g299'))?.payload).toEqual({ i: 299 });
      const claimed = await store.inbox.claimBatch(5000, undefined, 1000);
      expect(new Set(claimed.map((e) => e.uuid))).toEqual(new Set(uuids));
    });

    it('gives fair ranks and finds duplicates within one group commit', async () => {
      const store = await one();
      const accept = (uuid: string, fairKey: string, extra: Record<string, unknown> = {}) =>
        store.inbox.accept({ uuid, source: 'webhook', payload: uuid, fairKey, ...extra }, 100);
      // All in one turn of the event loop: one batch, one INSERT.
      const answers = await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => accept(`a${i}`, 'chat1:alice')),
        accept('a3', 'chat1:alice'),
        accept('chatter', '', { needsNoWork: true, identityKey: 'post:9' }),
        accept('chatter-again', '', { needsNoWork: true, identityKey: 'post:9' }),
        accept('b0', 'chat2:bob', { identityKey: 'post:10' }),
        accept('b0-other-subscription', 'chat2:bob', { identityKey: 'post:10' }),
        accept('c0', 'chat1:carol'),
      ]);
      expect(answers).toEqual([...Array(30).fill('accepted'), 'duplicate', 'accepted', 'duplicate', 'accepted', 'duplicate', 'accepted']);
      expect(await store.inbox.counts()).toEqual({ pending: 32, processing: 0, done: 1, failed: 0 });
      const first = (await store.inbox.claimBatch(1000, undefined, 3)).map((e) => e.uuid);
      expect(first).toEqual(['a0', 'b0', 'c0']);
      const rest = (await store.inbox.claimBatch(1000, undefined, 100)).map((e) => e.uuid);
      expect(rest).toEqual(Array.from({ length: 29 }, (_, i) => `a${i + 1}`));
    });

    it('a repeat within one group commit takes no turn from its sender', async () => {
      const store = await one();
      const accept = (uuid: string, fairKey: string, at: number, identityKey?: string) =>
        store.inbox.accept({ uuid, source: 'webhook', payload: uuid, fairKey, ...(identityKey ? { identityKey } : {}) }, at);
      const answers = await Promise.all([
        accept('a0', 'x:alice', 0),
        accept('b0', 'x:bob', 1),
        accept('a1', 'x:alice', 2, 'post:a1'),
        accept('a1', 'x:alice', 3),
        accept('a1-other-subscription', 'x:alice', 4, 'post:a1'),
        accept('a2', 'x:alice', 5),
        accept('b1', 'x:bob', 6),
        accept('b2', 'x:bob', 7),
      ]);
      expect(answers).toEqual(['accepted', 'accepted', 'accepted', 'duplicate', 'duplicate', 'accepted', 'accepted', 'accepted']);
      // Ranks alice 0,1,2 and bob 0,1,2: turns alternate; a repeat counted as a turn would put a2 after b2.
      expect((await store.inbox.claimBatch(1000, undefined, 10)).map((e) => e.uuid)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    });

    it('keeps an event that needs no work as done at once: never claimed, still deduplicated', async () => {
      const store = await one();
      expect(await store.inbox.accept({ uuid: 'chatter', source: 'webhook', payload: {}, identityKey: 'post:1', needsNoWork: true }, 10)).toBe('accepted');
      expect(await store.inbox.accept({ uuid: 'chatter', source: 'webhook', payload: {} }, 11)).toBe('duplicate');
      expect(await store.inbox.accept({ uuid: 'other-sub', source: 'webhook', payload: {}, identityKey: 'post:1' }, 12)).toBe('duplicate');
      expect(await store.inbox.claimNext(100)).toBeUndefined();
      expect(await store.inbox.get('chatter')).toMatchObject({ status: 'done', attempts: 0 });
      expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 1, failed: 0 });
    });

    it('claims several events in one call, in fair order, and completes many at once', async () => {
      const store = await one();
      for (let i = 0; i < 6; i++) await store.inbox.accept({ uuid: `b${i}`, source: 'webhook', payload: i, fairKey: i < 4 ? 'alice' : 'bob' }, 10 + i);
      const first = await store.inbox.claimBatch(100, undefined, 3);
      expect(first.map((e) => e.uuid)).toEqual(['b0', 'b4', 'b1']);
      expect(await store.inbox.counts()).toEqual({ pending: 3, processing: 3, done: 0, failed: 0 });
      const done = await Promise.all([...first.map((e) => store.inbox.markDone(e.uuid, 101)), store.inbox.markDone('b2', 101)]);
      expect(done).toEqual([true, true, true, false]);
      expect(await store.inbox.counts()).toEqual({ pending: 3, processing: 0, done: 3, failed: 0 });
    });

    it("hands out one sender's events in the order they arrived, each once", async () => {
      const store = await one();
      await store.inbox.accept({ uuid: 'a', source: 'webhook', payload: 1 }, 10);
      await store.inbox.accept({ uuid: 'b', source: 'webhook', payload: 2 }, 20);
      expect((await store.inbox.claimNext(100))?.uuid).toBe('a');
      expect((await store.inbox.claimNext(100))?.uuid).toBe('b');
      expect(await store.inbox.claimNext(100)).toBeUndefined();
      expect(await store.inbox.markDone('a', 101)).toBe(true);
      expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 1, done: 1, failed: 0 });
    });

    it('hands out events per lane', async () => {
      const store = await one();
      await store.inbox.accept({ uuid: 'photo', source: 'webhook', payload: {}, lane: 'heavy' }, 1);
      await store.inbox.accept({ uuid: 'text', source: 'webhook', payload: {} }, 2);
      expect((await store.inbox.claimNext(10, 'light'))?.uuid).toBe('text');
      expect(await store.inbox.claimNext(10, 'light')).toBeUndefined();
      expect(await store.inbox.claimNext(10, 'heavy')).toMatchObject({ uuid: 'photo', lane: 'heavy' });
    });

    it('takes turns across senders: a flood from one does not delay another', async () => {
      const store = await one();
      for (let i = 0; i < 50; i++) await store.inbox.accept({ uuid: `a${i}`, source: 'webhook', payload: i, fairKey: 'chat1:alice' }, 100 + i);
      await store.inbox.accept({ uuid: 'b0', source: 'webhook', payload: 'help', fairKey: 'chat2:bob' }, 200);
      await store.inbox.accept({ uuid: 'c0', source: 'webhook', payload: 'help', fairKey: 'chat1:carol' }, 201);
      const first: string[] = [];
      for (let i = 0; i < 4; i++) first.push((await store.inbox.claimNext(1000))!.uuid);
      expect(first).toContain('b0');
      expect(first).toContain('c0');
      // Alice's own posts stay in the order she sent them.
      const rest: string[] = [];
      for (let e = await store.inbox.claimNext(1000); e; e = await store.inbox.claimNext(1000)) rest.push(e.uuid);
      const alice = [...first, ...rest].filter((u) => u.startsWith('a'));
      expect(alice).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
    });

    it('a newcomer goes ahead of a flood that is half worked off', async () => {
      const store = await one();
      for (let i = 0; i < 20; i++) await store.inbox.accept({ uuid: `a${i}`, source: 'webhook', payload: i, fairKey: 'x:alice' }, i);
      for (let i = 0; i < 10; i++) await store.inbox.markDone((await store.inbox.claimNext(100))!.uuid, 100);
      await store.inbox.accept({ uuid: 'late', source: 'webhook', payload: 'help', fairKey: 'y:bob' }, 101);
      const next = [(await store.inbox.claimNext(200))!.uuid, (await store.inbox.claimNext(200))!.uuid];
      expect(next).toContain('late');
    });

    it('counts one fair key\'s events received in a time range, whatever their state', async () => {
      const store = await one();
      for (let i = 0; i < 5; i++) await store.inbox.accept({ uuid: `a${i}`, source: 'webhook', payload: i, fairKey: 'chat1:alice' }, 100 + i * 10);
      await store.inbox.accept({ uuid: 'b0', source: 'webhook', payload: 'x', fairKey: 'chat1:bob' }, 110);
      await store.inbox.accept({ uuid: 'a-elsewhere', source: 'webhook', payload: 'x', fairKey: 'chat2:alice' }, 110);
      // chatter the bot ignores (kept only to deduplicate) is not a post to the bot: not counted
      await store.inbox.accept({ uuid: 'a-chatter', source: 'webhook', payload: 'x', fairKey: 'chat1:alice', needsNoWork: true }, 120);
      await store.inbox.markDone((await store.inbox.claimNext(1000))!.uuid, 1000);
      expect(await store.inbox.countByFairKey('chat1:alice', 100, 140)).toBe(5);
      expect(await store.inbox.countByFairKey('chat1:alice', 110, 130)).toBe(3);
      expect(await store.inbox.countByFairKey('chat1:bob', 0, 1000)).toBe(1);
      expect(await store.inbox.countByFairKey('chat3:alice', 0, 1000)).toBe(0);
    });

    it('never hands the same event to two stores claiming at once', async () => {
      const url = await fresh();
      const a = await open(url, { instanceId: 'A' });
      const b = await open(url, { instanceId: 'B' });
      const n = 60;
      for (let i = 0; i < n; i++) await a.inbox.accept({ uuid: `e${i}`, source: 'webhook', payload: i, fairKey: `k${i % 7}` }, i);
      const claimed: InboxEvent[] = [];
      const worker = async (s: Store) => {
        for (let e = await s.inbox.claimNext(1000); e; e = await s.inbox.claimNext(1000)) claimed.push(e);
      };
      await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
      expect(claimed).toHaveLength(n);
      expect(new Set(claimed.map((e) => e.uuid)).size).toBe(n);
      expect(new Set(claimed.map((e) => e.owner))).toEqual(new Set(['A', 'B']));
    });

    it('an expired lease is taken over by another store; a live or renewed one is not', async () => {
      const url = await fresh();
      const a = await open(url, { instanceId: 'A', leaseMs: 1000 });
      const b = await open(url, { instanceId: 'B', leaseMs: 1000 });
      await a.inbox.accept({ uuid: 'x', source: 'webhook', payload: {} }, 0);
      await a.inbox.accept({ uuid: 'y', source: 'webhook', payload: {} }, 1);
      expect((await a.inbox.claimNext(10))?.uuid).toBe('x'); // lease until 1010
      expect((await a.inbox.claimNext(10))?.uuid).toBe('y');
      expect(await a.inbox.renewLease('y', 900)).toBe(true); // y: until 1900
      expect(await b.inbox.claimNext(1009)).toBeUndefined();
      expect(await b.inbox.renewLease('x', 1009)).toBe(false); // not B's
      const taken = await b.inbox.claimNext(1011);
      expect(taken).toMatchObject({ uuid: 'x', owner: 'B', attempts: 2, takenOver: true });
      expect(await b.inbox.claimNext(1011)).toBeUndefined(); // y is still A's
      // A's late answer no longer counts; B's does.
      expect(await a.inbox.markDone('x', 1012)).toBe(false);
      expect(await a.inbox.renewLease('x', 1012)).toBe(false);
      expect(await b.inbox.markDone('x', 1013)).toBe(true);
      expect(await a.inbox.markDone('y', 1014)).toBe(true);
      expect(await a.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 2, failed: 0 });
    });

    it('an event handed back is due again at once for any instance, its attempt not counted', async () => {
      const url = await fresh();
      const a = await open(url, { instanceId: 'A', leaseMs: 30_000 });
      const b = await open(url, { instanceId: 'B', leaseMs: 30_000 });
      await a.inbox.accept({ uuid: 'h1', source: 'webhook', payload: {} }, 1);
      await a.inbox.accept({ uuid: 'h2', source: 'webhook', payload: {} }, 2);
      await a.inbox.accept({ uuid: 'theirs', source: 'webhook', payload: {} }, 3);
      expect((await a.inbox.claimBatch(10, undefined, 2)).map((e) => e.uuid)).toEqual(['h1', 'h2']);
      expect(await b.inbox.claimNext(10)).toMatchObject({ uuid: 'theirs', owner: 'B' });
      // Only A's own claims go back; B's claim and unknown uuids are left alone.
      expect((await a.inbox.release(['h1', 'h2', 'theirs', 'nope'], 20)).sort()).toEqual(['h1', 'h2']);
      expect(await a.inbox.get('h1')).toMatchObject({ status: 'pending', attempts: 0, owner: undefined, leaseUntil: undefined });
      expect(await a.inbox.counts()).toEqual({ pending: 2, processing: 1, done: 0, failed: 0 });
      // Long before A's 30 s lease would have run out, B takes them, as first attempts.
      const taken = await b.inbox.claimBatch(21, undefined, 5);
      expect(taken.map((e) => [e.uuid, e.owner, e.attempts, e.takenOver ?? false])).toEqual([
        ['h1', 'B', 1, false],
        ['h2', 'B', 1, false],
      ]);
      // A's late answer no longer counts, and a second hand-back changes nothing.
      expect(await a.inbox.markDone('h1', 22)).toBe(false);
      expect(await a.inbox.release(['h1'], 23)).toEqual([]);
      expect(await a.inbox.release([], 23)).toEqual([]);
      expect(await b.inbox.markDone('h1', 24)).toBe(true);
      expect(await b.inbox.counts()).toEqual({ pending: 0, processing: 2, done: 1, failed: 0 });
    });

    it('delays retries until they are due and keeps failures', async () => {
      const store = await one();
      await store.inbox.accept({ uuid: 'r', source: 'webhook', payload: {} }, 1);
      await store.inbox.claimNext(1);
      expect(await store.inbox.markFailed('r', 'busy', 2, 500)).toBe(true);
      expect(await store.inbox.claimNext(499)).toBeUndefined();
      expect((await store.inbox.claimNext(500))?.uuid).toBe('r');
      await store.inbox.markFailed('r', 'gave up', 600);
      expect(await store.inbox.counts()).toMatchObject({ failed: 1, pending: 0 });
      expect(await store.inbox.get('r')).toMatchObject({ status: 'failed', attempts: 2, lastError: 'gave up' });
    });

    it('forgets finished uuids and identities only when pruned', async () => {
      const store = await one();
      await store.inbox.accept({ uuid: 'p', source: 'webhook', payload: { t: 'needle' }, identityKey: 'post:PostAdded:9' }, 1);
      expect((await store.inbox.findByPayload('needle')).map((e) => e.uuid)).toEqual(['p']);
      await store.inbox.claimNext(1);
      await store.inbox.markDone('p', 10);
      expect(await store.inbox.prune(5)).toBe(0);
      expect(await store.inbox.accept({ uuid: 'p2', source: 'webhook', payload: {}, identityKey: 'post:PostAdded:9' }, 11)).toBe('duplicate');
      expect(await store.inbox.prune(11)).toBe(1);
      expect(await store.inbox.accept({ uuid: 'p', source: 'webhook', payload: {}, identityKey: 'post:PostAdded:9' }, 12)).toBe('accepted');
    });
    it('prunes more rows than one batch, and the counts follow every step', async () => {
      const store = await one();
      const n = PRUNE_BATCH * 2 + 5;
      await Promise.all(Array.from({ length: n }, (_, i) => store.inbox.accept({ uuid: `old${i}`, source: 'webhook', payload: {}, needsNoWork: true }, 10)));
      await store.inbox.accept({ uuid: 'fresh', source: 'webhook', payload: {}, needsNoWork: true }, 50);
      await store.inbox.accept({ uuid: 'live', source: 'webhook', payload: {} }, 10);
      expect(await store.inbox.counts()).toEqual({ pending: 1, processing: 0, done: n + 1, failed: 0 });
      await store.inbox.claimNext(20);
      expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 1, done: n + 1, failed: 0 });
      expect(await store.inbox.prune(20)).toBe(n);
      expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 1, done: 1, failed: 0 });
      await store.inbox.markFailed('live', 'boom', 30);
      expect(await store.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 1, failed: 1 });
    });
  });

  describe('pending authorizations', () => {
    it('are taken once', async () => {
      const store = await one();
      const p = { state: 's1', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: { kind: 'x' }, createdAt: 1, expiresAt: 2 };
      await store.putPendingAuthorization(p);
      expect(await store.takePendingAuthorization('s1')).toEqual(p);
      expect(await store.takePendingAuthorization('s1')).toBeUndefined();
    });

    it('expired ones are pruned, and they are deleted per extension', async () => {
      const store = await one();
      await store.putPendingAuthorization({ state: 'old', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 100 });
      await store.putPendingAuthorization({ state: 'new', extensionId: 'e', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 300 });
      await store.putPendingAuthorization({ state: 'f', extensionId: 'f', chatId: 'c', codeVerifier: 'v', request: {}, createdAt: 1, expiresAt: 300 });
      expect(await store.pruneExpiredAuthorizations(200)).toBe(1);
      expect(await store.takePendingAuthorization('old')).toBeUndefined();
      await store.deletePendingAuthorizationsOf('f');
      expect(await store.takePendingAuthorization('f')).toBeUndefined();
      expect(await store.takePendingAuthorization('new')).toBeDefined();
    });
  });

  describe('user tokens and chat types', () => {
    it('are kept, replaced and deleted', async () => {
      const store = await one();
      await store.putSealedUserTokens('7', 'sealed-1', 1);
      await store.putSealedUserTokens('7', 'sealed-2', 2);
      expect(await store.getSealedUserTokens('7')).toBe('sealed-2');
      await store.deleteSealedUserTokens('7');
      expect(await store.getSealedUserTokens('7')).toBeUndefined();
      await store.putChatType('c1', 'Group', 1);
      await store.putChatType('c1', 'Direct', 2);
      expect(await store.getChatType('c1')).toBe('Direct');
    });
  });

  describe('audit tables', () => {
    it('keep the newest runs and hand the scheduled run to one instance', async () => {
      const url = await fresh();
      const a = await open(url);
      const b = await open(url);
      const run = { startedAt: 's', finishedAt: 'f', durationMs: 5, apiCalls: 2, extensions: 3, withPhoto: 1, withoutPhoto: 2, shareWithPhoto: 1 / 3, filter: { types: ['User'] }, missingIds: ['1', '2'] };
      for (let i = 0; i < 4; i++) await a.audit.saveAudit({ ...run, startedAt: `s${i}` }, 3);
      const recent = await b.audit.recentAudits(10);
      expect(recent.map((r) => r.startedAt)).toEqual(['s3', 's2', 's1']);
      expect(recent[0]).toMatchObject({ shareWithPhoto: 1 / 3, filter: { types: ['User'] }, missingIds: ['1', '2'], durationMs: 5 });
      const claims = await Promise.all([a, b, a, b].map((s, i) => s.audit.claimScheduledRun(60_000, `i${i}`, 1)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      await a.audit.finishScheduledRun(60_000, 'ok', undefined, 2);
      expect(await b.audit.lastScheduledRun()).toBe(60_000);
      expect(await b.audit.recentScheduledRuns(5)).toMatchObject([{ scheduledAt: 60_000, outcome: 'ok', finishedAt: 2 }]);
    });

    it('admin chats, reminders and reminder plans', async () => {
      const store = await one();
      expect(await store.audit.registerAdminChat('c1', 'e1', 5)).toBe(true);
      expect(await store.audit.registerAdminChat('c1', 'e2', 6)).toBe(false);
      expect(await store.audit.hasAdminChat('c1')).toBe(true);
      expect(await store.audit.listAdminChats()).toEqual([{ chatId: 'c1', registeredBy: 'e1', registeredAt: 5 }]);
      expect(await store.audit.unregisterAdminChat('c1')).toBe(true);
      expect(await store.audit.unregisterAdminChat('c1')).toBe(false);

      const claims = await Promise.all([1, 2, 3].map(() => store.audit.claimReminder('p1', 1000, 500)));
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
      expect((await store.audit.claimReminder('p1', 1400, 500)).claimed).toBe(false);
      await store.audit.releaseReminder('p1', null);
      expect((await store.audit.claimReminder('p1', 1400, 500)).claimed).toBe(true);
      await store.audit.optOutOfReminders('p2', 7);
      expect((await store.audit.claimReminder('p2', 10_000, 500)).claimed).toBe(false);
      expect(await store.audit.reminderStatuses(['p1', 'p2', 'p3'])).toEqual(
        expect.arrayContaining([{ extensionId: 'p1', lastRemindedAt: 1400, optedOutAt: undefined }, { extensionId: 'p2', lastRemindedAt: undefined, optedOutAt: 7 }]),
      );
      await store.audit.optInToReminders('p2');
      expect((await store.audit.claimReminder('p2', 10_000, 500)).claimed).toBe(true);

      await store.audit.putReminderPlan('c', 'r', 1, [{ id: '1' }]);
      await store.audit.putReminderPlan('c', 'r', 2, [{ id: '2' }]);
      expect(await store.audit.takeReminderPlan('c', 'r')).toEqual({ createdAt: 2, people: [{ id: '2' }] });
      expect(await store.audit.takeReminderPlan('c', 'r')).toBeUndefined();
      await store.audit.putReminderPlan('c', 'r', 3, []);
      expect(await store.audit.deleteReminderPlan('c', 'r')).toBe(true);
    });
  });

  describe('leases', () => {
    it('one holder at a time; taken over after expiry', async () => {
      const url = await fresh();
      const a = await open(url);
      const b = await open(url);
      const got = await Promise.all([a.leases.acquire('subscription', 'A', 0, 100), b.leases.acquire('subscription', 'B', 0, 100)]);
      expect(got.filter(Boolean)).toHaveLength(1);
      const holder = got[0] ? 'A' : 'B';
      const other = holder === 'A' ? 'B' : 'A';
      expect(await a.leases.holder('subscription', 50)).toBe(holder);
      expect(await b.leases.acquire('subscription', holder, 50, 100)).toBe(true); // renewal, until 150
      expect(await b.leases.acquire('subscription', other, 120, 100)).toBe(false);
      expect(await a.leases.acquire('subscription', other, 151, 100)).toBe(true);
      await a.leases.release('subscription', other);
      expect(await a.leases.holder('subscription', 152)).toBeUndefined();
    });
  });

  describe('effects', () => {
    it('records an intent once; a second intend sees it, then its result', async () => {
      const url = await fresh();
      const [a, b] = await Promise.all([open(url), open(url)]);
      const effect = { key: 'ev-1:reply:1', kind: 'post', scope: 'chat-9', detail: { textSha: 'abc' } };
      const first = await Promise.all([a.effects.intend(effect, 100), b.effects.intend(effect, 100)]);
      expect(first.filter((r) => r === undefined)).toHaveLength(1);
      const seen = first.find((r) => r !== undefined)!;
      expect(seen).toMatchObject({ key: 'ev-1:reply:1', kind: 'post', scope: 'chat-9', status: 'intended', detail: { textSha: 'abc' } });
      await a.effects.complete('ev-1:reply:1', 'post-77', 150);
      expect(await b.effects.intend(effect, 200)).toMatchObject({ status: 'done', resultRef: 'post-77', doneAt: 150 });
      expect(await b.effects.takenRefs('post', ['post-76', 'post-77'])).toEqual(['post-77']);
      expect(await b.effects.takenRefs('card', ['post-77'])).toEqual([]);
      expect(await a.effects.prune(100)).toBe(0);
      expect(await a.effects.prune(101)).toBe(1);
      expect(await a.effects.get('ev-1:reply:1')).toBeUndefined();
    });
  });

  describe('user tokens compare-and-set', () => {
    it('replaces only the value this instance read', async () => {
      const url = await fresh();
      const [a, b] = await Promise.all([open(url), open(url)]);
      await a.putSealedUserTokens('42', 'v1', 1);
      expect(await a.replaceSealedUserTokens('42', 'v1', 'v2-from-a', 2)).toBe(true);
      expect(await b.replaceSealedUserTokens('42', 'v1', 'v2-from-b', 3)).toBe(false);
      expect(await b.getSealedUserTokens('42')).toBe('v2-from-a');
      expect(await b.replaceSealedUserTokens('nobody', 'v1', 'x', 4)).toBe(false);
    });
  });

  describe('chat progress', () => {
    it('keeps the newest post per chat, whatever order instances note them in; lists active chats newest first', async () => {
      const url = await fresh();
      const a = await open(url);
      const b = await open(url);
      await a.chatProgress.notePost('c1', 'p2', 2000, 1);
      await b.chatProgress.notePost('c1', 'p1', 1000, 2); // older: ignored
      expect(await a.chatProgress.get('c1')).toEqual({ chatId: 'c1', newestPostId: 'p2', newestPostAt: 2000 });
      await b.chatProgress.notePost('c1', 'p3', 3000, 3);
      expect((await a.chatProgress.get('c1'))?.newestPostId).toBe('p3');
      await a.chatProgress.notePost('c2', 'q1', 5000, 4);
      await a.chatProgress.notePost('c3', 'r1', 500, 5);
      expect((await b.chatProgress.activeSince(1000, 10)).map((c) => c.chatId)).toEqual(['c2', 'c1']);
      expect((await b.chatProgress.activeSince(0, 1)).map((c) => c.chatId)).toEqual(['c2']);
      expect(await b.chatProgress.get('nope')).toBeUndefined();
    });
  });
}
