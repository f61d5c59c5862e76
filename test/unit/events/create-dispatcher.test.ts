import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/events/create-dispatcher.ts';
import { openStore, type OpenStoreOptions } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function store(url?: string, options: OpenStoreOptions = {}): Promise<Store> {
  let databaseUrl = url;
  if (!databaseUrl) {
    const db = tempDatabase();
    cleanups.push(db.cleanup);
    databaseUrl = db.url;
  }
  const s = await openStore(databaseUrl, options);
  cleanups.push(() => s.close());
  return s;
}

describe('createDispatcher', () => {
  it('handles each accepted event once and drains', async () => {
    const s = await store();
    const seen: string[] = [];
    const d = createDispatcher({ inbox: s.inbox, logger: captureLogger().logger, handle: async (e) => void seen.push(e.uuid), concurrency: 2 });
    await d.start();
    for (const u of ['a', 'b', 'c', 'a']) await s.inbox.accept({ uuid: u, source: 'webhook', payload: {} }, Date.now());
    d.notify();
    expect(await d.drain(5000)).toBe(true);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(await s.inbox.counts()).toMatchObject({ done: 3, pending: 0, processing: 0 });
    await d.stop();
  });

  it('finishes events left over from before a restart', async () => {
    const s = await store();
    await s.inbox.accept({ uuid: 'before-crash', source: 'webhook', payload: {} }, 1);
    await s.inbox.claimNext(2); // was processing when the process died
    const seen: string[] = [];
    const d = createDispatcher({ inbox: s.inbox, logger: captureLogger().logger, handle: async (e) => void seen.push(e.uuid) });
    await d.start();
    expect(await d.drain(5000)).toBe(true);
    expect(seen).toEqual(['before-crash']);
    await d.stop();
  });

  it('keeps its lease while a long event runs, so another instance never takes it over', async () => {
    const db = tempDatabase();
    cleanups.push(db.cleanup);
    const a = await store(db.url, { instanceId: 'A', leaseMs: 300 });
    const b = await store(db.url, { instanceId: 'B', leaseMs: 300 });
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((resolve) => {
      const da = createDispatcher({ inbox: a.inbox, logger: captureLogger().logger, renewEveryMs: 100, pollMs: 50, handle: async (e) => { runs.push(`A:${e.uuid}`); resolve(); await gate; } });
      cleanups.push(() => da.stop());
      void da.start();
    });
    await a.inbox.accept({ uuid: 'long', source: 'webhook', payload: {} }, Date.now());
    await started;
    const dB = createDispatcher({ inbox: b.inbox, logger: captureLogger().logger, pollMs: 50, handle: async (e) => void runs.push(`B:${e.uuid}`) });
    cleanups.push(() => dB.stop());
    await dB.start();
    // B polls through four lease periods of A's work; then A finishes.
    const until = Date.now() + 1200;
    while (Date.now() < until) {
      expect((await b.inbox.get('long'))?.owner).toBe('A');
      await new Promise((r) => setTimeout(r, 100));
    }
    release();
    await expect.poll(async () => (await a.inbox.get('long'))?.status, { timeout: 5000 }).toBe('done');
    expect(runs).toEqual(['A:long']);
  });

  it('another instance takes over an event whose owner stopped renewing', async () => {
    const db = tempDatabase();
    cleanups.push(db.cleanup);
    const dead = await store(db.url, { instanceId: 'dead', leaseMs: 200 });
    const alive = await store(db.url, { instanceId: 'alive', leaseMs: 200 });
    await dead.inbox.accept({ uuid: 'orphan', source: 'webhook', payload: {} }, Date.now());
    expect(await dead.inbox.claimNext(Date.now())).toMatchObject({ uuid: 'orphan', owner: 'dead' });
    const seen: string[] = [];
    const cap = captureLogger();
    const d = createDispatcher({ inbox: alive.inbox, logger: cap.logger, pollMs: 50, handle: async (e) => void seen.push(`${e.uuid}#${e.attempts}`) });
    cleanups.push(() => d.stop());
    await d.start();
    await expect.poll(async () => (await alive.inbox.get('orphan'))?.status, { timeout: 5000 }).toBe('done');
    expect(seen).toEqual(['orphan#2']);
    expect(cap.lines.some((l) => l.msg === 'took over an event whose lease had expired')).toBe(true);
  });

  it('keeps answering light events while heavy ones are slow', async () => {
    const s = await store();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const d = createDispatcher({
      inbox: s.inbox,
      logger: captureLogger().logger,
      concurrency: 1,
      heavyConcurrency: 1,
      handle: async (e) => {
        if (e.lane === 'heavy') await gate;
        order.push(e.uuid);
      },
    });
    await d.start();
    await s.inbox.accept({ uuid: 'photo-1', source: 'webhook', payload: {}, lane: 'heavy' }, 1);
    await s.inbox.accept({ uuid: 'photo-2', source: 'webhook', payload: {}, lane: 'heavy' }, 2);
    for (let i = 0; i < 5; i++) await s.inbox.accept({ uuid: `text-${i}`, source: 'webhook', payload: {} }, 3 + i);
    d.notify();
    await expect.poll(() => order.length, { timeout: 5000 }).toBe(5);
    expect(order).toEqual(['text-0', 'text-1', 'text-2', 'text-3', 'text-4']);
    release();
    expect(await d.drain(5000)).toBe(true);
    expect(order.slice(5)).toEqual(['photo-1', 'photo-2']);
    await d.stop();
  });

  it('retries a failing handler a bounded number of times, then marks the event failed', async () => {
    const s = await store();
    let calls = 0;
    const cap = captureLogger();
    const d = createDispatcher({
      inbox: s.inbox,
      logger: cap.logger,
      handle: async () => {
        calls++;
        throw new Error('boom');
      },
      maxAttempts: 3,
      retryDelayMs: () => 0,
      pollMs: 10,
    });
    await d.start();
    await s.inbox.accept({ uuid: 'bad', source: 'webhook', payload: {} }, Date.now());
    d.notify();
    await expect.poll(async () => (await s.inbox.counts()).failed, { timeout: 5000 }).toBe(1);
    expect(calls).toBe(3);
    expect(cap.lines.some((l) => l.msg === 'event handler failed; giving up on this event' && l.eventUuid === 'bad')).toBe(true);
    await d.stop();
  });

  describe('stopping', () => {
    it('hands back an event still running when the stop ends: pending at once, attempt not counted, its late result ignored', async () => {
      const db = tempDatabase();
      cleanups.push(db.cleanup);
      const a = await store(db.url, { instanceId: 'A', leaseMs: 30_000 });
      const b = await store(db.url, { instanceId: 'B', leaseMs: 30_000 });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let running!: () => void;
      const started = new Promise<void>((r) => (running = r));
      const d = createDispatcher({ inbox: a.inbox, logger: captureLogger().logger, handle: async () => { running(); await gate; } });
      await d.start();
      await a.inbox.accept({ uuid: 'slow', source: 'webhook', payload: {} }, Date.now());
      d.notify();
      await started;
      expect(await d.finish(50)).toBe(false);
      await d.stop(50);
      expect(await d.handBack()).toBe(1);
      expect(await a.inbox.get('slow')).toMatchObject({ status: 'pending', attempts: 0, owner: undefined });
      // Another instance takes it at once (A's 30 s lease no longer holds it), as a first attempt.
      expect(await b.inbox.claimNext(Date.now())).toMatchObject({ uuid: 'slow', owner: 'B', attempts: 1 });
      release();
      await expect.poll(() => d.inFlight(), { timeout: 5000 }).toBe(0);
      expect(await d.handBack()).toBe(0);
      expect(await a.inbox.get('slow')).toMatchObject({ status: 'processing', owner: 'B' });
    });

    it('hands back, and claims no more in that lane, an event whose call was refused for the shutdown deadline', async () => {
      const s = await store();
      const refusal = new Error('would wait past the deadline');
      const seen: string[] = [];
      const d = createDispatcher({
        inbox: s.inbox,
        logger: captureLogger().logger,
        concurrency: 1,
        isStopRefusal: (e) => e === refusal,
        handle: async (e) => {
          seen.push(e.uuid);
          if (e.uuid === 'paced') throw refusal;
        },
      });
      for (const u of ['paced', 'next-1', 'next-2']) await s.inbox.accept({ uuid: u, source: 'webhook', payload: {} }, 1);
      await d.start();
      // A refusal only counts as one during the shutdown drain; start the drain before any claim.
      expect(await d.finish(5000)).toBe(false);
      await d.stop(1000);
      expect(seen).toEqual(['paced']);
      expect(await s.inbox.get('paced')).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await s.inbox.counts()).toMatchObject({ pending: 3, processing: 0, failed: 0 });
    });

    it('hands back events whose claim comes back after the stop, and a handler failing once stopped', async () => {
      const s = await store();
      let claimed!: () => void;
      const claimSent = new Promise<void>((r) => (claimed = r));
      let answer!: () => void;
      const claimAnswer = new Promise<void>((r) => (answer = r));
      // The inbox as the dispatcher sees it: the first claim is slow to come back.
      let first = true;
      const inbox = {
        ...s.inbox,
        claimBatch: async (...args: Parameters<typeof s.inbox.claimBatch>) => {
          const events = await s.inbox.claimBatch(...args);
          if (first && events.length > 0) {
            first = false;
            claimed();
            await claimAnswer;
          }
          return events;
        },
      };
      const seen: string[] = [];
      const d = createDispatcher({ inbox, logger: captureLogger().logger, handle: async (e) => void seen.push(e.uuid) });
      await s.inbox.accept({ uuid: 'late-claim', source: 'webhook', payload: {} }, 1);
      await d.start();
      await claimSent;
      const stopped = d.stop(5000);
      answer();
      await stopped;
      expect(seen).toEqual([]);
      expect(await s.inbox.get('late-claim')).toMatchObject({ status: 'pending', attempts: 0 });
    });
  });
});
