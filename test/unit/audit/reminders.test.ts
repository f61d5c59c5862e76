import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReminderStore, defaultReminderText, planReminders, sendReminders } from '../../../src/audit/reminders.ts';
import { openSqliteStoreForTest } from '../../helpers/temp-database.ts';
import type { AuditPerson } from '../../../src/audit/audit-types.ts';

const DAY = 86_400_000;
const person = (id: number, name = `Person ${id}`): AuditPerson => ({ id: String(id), name, extensionNumber: String(100 + id) });

let dir: string;
const stores: Array<{ close(): Promise<void> }> = [];
async function store(file = ':memory:') {
  return new ReminderStore((await openSqliteStoreForTest(file, stores)).audit);
}
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-reminders-'));
});
afterEach(async () => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planReminders', () => {
  it('leaves out people who opted out and those reminded within the interval', async () => {
    const s = await store();
    const now = new Date('2026-11-29T12:00:00Z');
    await s.optOut('2');
    await s.claimReminder('3', new Date(now.getTime() - 2 * DAY), 7 * DAY); // reminded 2 days ago
    await s.claimReminder('4', new Date(now.getTime() - 8 * DAY), 7 * DAY); // reminded 8 days ago
    const plan = await planReminders({ people: [1, 2, 3, 4, 5].map((i) => person(i)), store: s, intervalDays: 7, now, exclude: ['5'] });
    expect(plan.toRemind.map((p) => p.id)).toEqual(['1', '4']);
    expect(plan.optedOut.map((p) => p.id)).toEqual(['2']);
    expect(plan.recentlyReminded.map((p) => p.id)).toEqual(['3']);
    expect(plan.intervalDays).toBe(7);
  });

  it('opting back in makes a person eligible again; bad intervals are refused', async () => {
    const s = await store();
    await s.optOut('1');
    await s.optIn('1');
    const plan = await planReminders({ people: [person(1)], store: s, intervalDays: 1 });
    expect(plan.toRemind).toHaveLength(1);
    await expect(planReminders({ people: [], store: s, intervalDays: 0 })).rejects.toThrow(RangeError);
  });

  it('plans 20,000 people in one query without trouble', async () => {
    const s = await store();
    for (let i = 0; i < 20_000; i += 2) await s.optOut(String(i));
    const plan = await planReminders({ people: Array.from({ length: 20_000 }, (_, i) => person(i)), store: s, intervalDays: 7 });
    expect(plan.toRemind).toHaveLength(10_000);
    expect(plan.optedOut).toHaveLength(10_000);
  });
});

describe('sendReminders', () => {
  it('sends one DM per person, records it, and never twice within the interval', async () => {
    const s = await store();
    const sent: [string, string][] = [];
    const send = async (id: string, text: string) => {
      sent.push([id, text]);
    };
    const people = [person(1, 'Zoë Ångström'), person(2)];
    const first = await sendReminders({ people, store: s, sendDirectMessage: send, intervalDays: 7, intervalMs: 1, intervalCap: 100 });
    expect(first.sent.sort()).toEqual(['1', '2']);
    expect(sent.find(([id]) => id === '1')?.[1]).toBe(defaultReminderText(people[0]!));
    expect(sent.find(([id]) => id === '1')?.[1]).toMatch(/^Hi Zoë!.*stop reminding me/s);

    const second = await sendReminders({ people, store: s, sendDirectMessage: send, intervalDays: 7, intervalMs: 1, intervalCap: 100 });
    expect(second.sent).toEqual([]);
    expect(second.skipped.sort()).toEqual(['1', '2']);
    expect(sent).toHaveLength(2);

    const statuses = await s.statuses(['1', '2', '3']);
    expect(statuses.get('1')?.lastRemindedAt).toBeInstanceOf(Date);
    expect(statuses.has('3')).toBe(false);
  });

  it('two overlapping sends (two instances on one file) message each person once', async () => {
    const file = path.join(dir, 'bot.sqlite');
    const a = await store(file);
    const b = await store(file);
    const people = Array.from({ length: 40 }, (_, i) => person(i));
    const sent: string[] = [];
    const send = async (id: string) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      sent.push(id);
    };
    const opts = { people, sendDirectMessage: send, intervalDays: 7, intervalMs: 1, intervalCap: 1000, concurrency: 4 };
    const [ra, rb] = await Promise.all([sendReminders({ ...opts, store: a }), sendReminders({ ...opts, store: b })]);
    expect(sent.sort()).toEqual(people.map((p) => p.id).sort());
    expect(ra.sent.length + rb.sent.length).toBe(40);
    expect(ra.skipped.length + rb.skipped.length).toBe(40);
  });

  it('a failed send is reported and its claim given back, so the next run tries again', async () => {
    const s = await store();
    const people = [person(1), person(2)];
    const result = await sendReminders({
      people,
      store: s,
      intervalDays: 7,
      intervalMs: 1,
      sendDirectMessage: async (id) => {
        if (id === '2') throw new Error('CMN-301 Request rate exceeded');
      },
    });
    expect(result.sent).toEqual(['1']);
    expect(result.failed).toEqual([{ id: '2', error: 'CMN-301 Request rate exceeded' }]);
    const plan = await planReminders({ people, store: s, intervalDays: 7 });
    expect(plan.toRemind.map((p) => p.id)).toEqual(['2']);
  });

  it('does not message someone who opted out after the plan was made', async () => {
    const s = await store();
    const plan = await planReminders({ people: [person(1), person(2)], store: s, intervalDays: 7 });
    await s.optOut('1');
    const sent: string[] = [];
    const result = await sendReminders({ people: plan.toRemind, store: s, intervalDays: 7, sendDirectMessage: async (id) => void sent.push(id) });
    expect(sent).toEqual(['2']);
    expect(result.skipped).toEqual(['1']);
  });

  it('paces: at most intervalCap messages start per interval, and concurrency is capped', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T12:00:00Z') });
    const s = await store();
    let inFlight = 0;
    let maxInFlight = 0;
    const startTimes: number[] = [];
    const done = sendReminders({
      people: Array.from({ length: 25 }, (_, i) => person(i)),
      store: s,
      intervalDays: 7,
      concurrency: 2,
      intervalCap: 10,
      intervalMs: 60_000,
      sendDirectMessage: async () => {
        startTimes.push(Date.now());
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
      },
    });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(startTimes).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(startTimes).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(60_000);
    const result = await done;
    expect(result.sent).toHaveLength(25);
    expect(maxInFlight).toBe(2);
    const t0 = startTimes[0]!;
    const perMinute = new Map<number, number>();
    for (const t of startTimes) perMinute.set(Math.floor((t - t0) / 60_000), (perMinute.get(Math.floor((t - t0) / 60_000)) ?? 0) + 1);
    expect([...perMinute.values()].every((n) => n <= 10)).toBe(true);
  });

  it('an aborted signal stops messages that have not started', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T12:00:00Z') });
    const s = await store();
    const controller = new AbortController();
    const sent: string[] = [];
    const done = sendReminders({
      people: Array.from({ length: 10 }, (_, i) => person(i)),
      store: s,
      intervalDays: 7,
      concurrency: 1,
      intervalCap: 2,
      intervalMs: 60_000,
      signal: controller.signal,
      sendDirectMessage: async (id) => void sent.push(id),
    });
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(300_000);
    const result = await done;
    expect(sent).toHaveLength(2);
    expect(result.sent).toHaveLength(2);
    const plan = await planReminders({ people: Array.from({ length: 10 }, (_, i) => person(i)), store: s, intervalDays: 7 });
    expect(plan.toRemind).toHaveLength(8);
  });
});
