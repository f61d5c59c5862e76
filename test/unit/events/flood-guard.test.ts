/**
 * Flood control decided from the store: the count from the inbox, "once" from named leases, so
 * two instances on one database agree (two stores on one SQLite file here).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import type { InboxEvent, Store } from '../../../src/store/store.ts';
import { duplicateKey, FLOOD_SPELL_MS, judgeFlood, slowNoteGate } from '../../../src/events/flood-guard.ts';
import { helpCommand } from '../../../src/commands/help.ts';
import { showPersonCommand } from '../../../src/commands/show-person.ts';
import { setMyAvatarCommand } from '../../../src/commands/set-my-avatar.ts';
import { parseCommand } from '../../../src/commands/parse-command.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Two store instances (two bot instances) on one fresh database. */
async function twoInstances(): Promise<[Store, Store]> {
  const db = tempDatabase();
  cleanups.push(db.cleanup);
  const a = await openStore(db.url);
  const b = await openStore(db.url);
  cleanups.push(() => a.close(), () => b.close());
  return [a, b];
}

const KEY = 'chat1:alice';

/** Accepts `n` posts from alice at 1 s apart starting at `t0`; resolves them as events. */
async function posts(store: Store, n: number, t0: number, prefix = 'p'): Promise<InboxEvent[]> {
  const out: InboxEvent[] = [];
  for (let i = 0; i < n; i++) {
    const uuid = `${prefix}${i}`;
    await store.inbox.accept({ uuid, source: 'webhook', payload: i, fairKey: KEY }, t0 + i * 1000);
    out.push((await store.inbox.get(uuid))!);
  }
  return out;
}

function judge(store: Store, event: InboxEvent, text: string, perMinute = 5) {
  return judgeFlood({ store, event, fairKey: KEY, perMinute, command: text === 'help' ? helpCommand : text.startsWith('show') ? showPersonCommand : undefined, text: parseCommand(text), mentions: [] });
}

describe('judgeFlood', () => {
  it('leaves a person alone up to the limit, then notes once and answers a duplicate help once, across instances', async () => {
    const [a, b] = await twoInstances();
    const events = await posts(a, 12, 1_000_000);
    const verdicts = [];
    // Alternate instances, as two bots sharing the inbox would.
    for (const [i, e] of events.entries()) verdicts.push(await judge(i % 2 ? b : a, e, 'help'));
    expect(verdicts.slice(0, 5)).toEqual(Array(5).fill({ note: false, coalesced: false }));
    expect(verdicts[5]).toEqual({ note: true, coalesced: false });
    expect(verdicts.slice(6)).toEqual(Array(6).fill({ note: false, coalesced: true }));
    // A retried event (same uuid) gets the same answer again rather than silence.
    expect(await judge(b, events[5]!, 'help')).toEqual({ note: true, coalesced: false });
  });

  it('never coalesces commands that are not duplicates of help/show, nor different show targets', async () => {
    const [a] = await twoInstances();
    const events = await posts(a, 10, 2_000_000);
    const verdicts = [];
    for (const [i, e] of events.entries()) verdicts.push(await judge(a, e, i < 6 ? 'tell me about the weather' : `show ${i % 2 ? 'me' : 'mine'}`));
    expect(verdicts.map((v) => v.coalesced)).toEqual([false, false, false, false, false, false, false, false, true, true]);
    expect(verdicts.filter((v) => v.note)).toHaveLength(1);
  });

  it('counts only the last minute, and a new spell after FLOOD_SPELL_MS notes again', async () => {
    const [a] = await twoInstances();
    const t0 = 3_000_000;
    const first = await posts(a, 7, t0, 'x');
    expect((await judge(a, first[6]!, 'help')).note).toBe(true);
    // 61 s later only the newest post is in the window: calm again.
    const calm = await posts(a, 1, t0 + 67_000, 'calm');
    expect(await judge(a, calm[0]!, 'help')).toEqual({ note: false, coalesced: false });
    const later = await posts(a, 7, t0 + FLOOD_SPELL_MS + 10_000, 'y');
    expect(await judge(a, later[6]!, 'help')).toEqual({ note: true, coalesced: false });
  });

  it('is off at 0', async () => {
    const [a] = await twoInstances();
    const events = await posts(a, 3, 4_000_000);
    expect(await judge(a, events[2]!, 'help', 0)).toEqual({ note: false, coalesced: false });
  });
});

describe('duplicateKey', () => {
  it('help in any wording is one answer; show by target; other commands never', () => {
    expect(duplicateKey(helpCommand, parseCommand('hello there'), [])).toBe(duplicateKey(helpCommand, parseCommand('help'), []));
    const bob = { id: '42', type: 'Person', name: 'Bob' } as const;
    const eve = { id: '43', type: 'Person', name: 'Eve' } as const;
    expect(duplicateKey(showPersonCommand, parseCommand('show @person'), [bob])).not.toBe(duplicateKey(showPersonCommand, parseCommand('show @person'), [eve]));
    expect(duplicateKey(setMyAvatarCommand, parseCommand('set my avatar'), [])).toBeUndefined();
    expect(duplicateKey(undefined, parseCommand('what'), [])).toBeUndefined();
  });
});

describe('slowNoteGate', () => {
  it('lets one event per person per spell say RingCentral is slow, across instances', async () => {
    const [a, b] = await twoInstances();
    let now = 5_000_000;
    const clock = () => now;
    expect(await slowNoteGate({ store: a, now: clock }, 'alice', 'e1')()).toBe(true);
    expect(await slowNoteGate({ store: b, now: clock }, 'alice', 'e2')()).toBe(false);
    expect(await slowNoteGate({ store: b, now: clock }, 'bob', 'e3')()).toBe(true);
    now += 6 * 60_000;
    expect(await slowNoteGate({ store: b, now: clock }, 'alice', 'e4')()).toBe(true);
  });
});
