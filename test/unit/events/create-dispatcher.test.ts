import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/events/create-dispatcher.ts';
import { openSqliteStore } from '../../../src/store/sqlite-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function store(): Store {
  const db = tempDatabase();
  const s = openSqliteStore(db.file);
  cleanups.push(db.cleanup, () => s.close());
  return s;
}

describe('createDispatcher', () => {
  it('handles each accepted event once and drains', async () => {
    const s = store();
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
    const s = store();
    await s.inbox.accept({ uuid: 'before-crash', source: 'webhook', payload: {} }, 1);
    await s.inbox.claimNext(2); // was processing when the process died
    const seen: string[] = [];
    const d = createDispatcher({ inbox: s.inbox, logger: captureLogger().logger, handle: async (e) => void seen.push(e.uuid) });
    await d.start();
    expect(await d.drain(5000)).toBe(true);
    expect(seen).toEqual(['before-crash']);
    await d.stop();
  });

  it('keeps answering light events while heavy ones are slow', async () => {
    const s = store();
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
    const s = store();
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
});
