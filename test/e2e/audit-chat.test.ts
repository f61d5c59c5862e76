/**
 * The audit of missing photos end to end: the real bot and the emulator over loopback sockets,
 * a company whose people with and without photos are known, chat commands typed by people,
 * the card and the CSV file the bot posts, a 429 storm, and the reminders with an opt-out.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhoto, startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import type { EmulatorPostView } from '../../src/demo/emulator-control.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const LIST_PATH = '/restapi/v1.0/account/~/extension';

let w: BotWorld;
/** Enabled User extensions without a photo, by id → name, as the audit must report them. */
const expectedMissing = new Map<string, string>();
let expectedWithPhoto = 0;
/** Extensions the default filter must leave out (disabled, unassigned, not activated, bots). */
const leftOut: string[] = [];
let photoBase64 = '';

async function addExtension(body: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${w.control.url}/_emulator/extensions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`addExtension ${r.status}: ${await r.text()}`);
  return String(((await r.json()) as { id: number | string }).id);
}

/** The admin's own token (jwt-bearer grant), to set other people's photos as an admin can. */
async function adminToken(): Promise<string> {
  const state = await w.control.state();
  const r = await fetch(`${w.control.url}/restapi/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${state.app.clientId}:${state.app.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: state.adminJwt }),
  });
  const json = (await r.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token: ${r.status}`);
  return json.access_token;
}

/** `PUT .../extension/{id}/profile-image` with one `image` part, as RingCentral takes it. */
async function setPhoto(extensionId: string): Promise<void> {
  const form = new FormData();
  form.append('image', new Blob([Buffer.from(photoBase64, 'base64')], { type: 'image/jpeg' }), 'photo.jpg');
  const r = await fetch(`${w.control.url}/restapi/v1.0/account/~/extension/${extensionId}/profile-image`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${await adminToken()}` },
    body: form,
  });
  if (r.status >= 300) throw new Error(`set photo ${r.status}: ${await r.text()}`);
}

const mention = () => `![:Person](${w.setup.botId})`;

/** Posts as a person and waits until the bot has handled it. */
async function say(chatId: string, creatorId: string, text: string): Promise<EmulatorPostView> {
  const post = await w.control.post(chatId, { creatorId, text });
  await w.waitHandled(post.id, 20_000);
  return post;
}

function factsOf(card: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const body = (card?.body ?? []) as Array<{ type: string; facts?: Array<{ title: string; value: string }> }>;
  const first = body.find((b) => b.type === 'FactSet');
  for (const f of first?.facts ?? []) out[f.title] = f.value;
  return out;
}

/** Waits for the bot's card number `before + 1` in the chat. */
async function nextCard(chatId: string, before: number, timeoutMs = 20_000): Promise<EmulatorPostView> {
  return waitUntil(
    async () => (await w.botPosts(chatId)).filter((p) => p.card)[before],
    `a new card in chat ${chatId} within ${timeoutMs} ms`,
    timeoutMs,
  );
}

async function listCalls(): Promise<Array<Record<string, any>>> {
  return (await w.control.requests()).filter((r) => r.method === 'GET' && String(r.path).startsWith(LIST_PATH) && !/extension\/\d/.test(String(r.path)));
}

beforeAll(async () => {
  w = await startBotWorld({ env: { REMINDERS_PER_MINUTE: '40' } });
  // Real RingCentral windows are 60 s; a twentieth keeps pacing real but the test short.
  w.emulator.state.settings.timeScale = 0.05;
  photoBase64 = (await samplePhoto()).bytes.toString('base64');

  const seeded = await w.control.state();
  for (const u of seeded.users) {
    if (u.hasPhoto) expectedWithPhoto++;
    else expectedMissing.set(u.id, u.name);
  }
  // 22 more without a photo, so the card lists 20 and the CSV carries everyone; names that need
  // quoting and UTF-8 in a spreadsheet.
  const tricky = [
    { firstName: 'Zoë', lastName: 'Ångström', department: 'Forschung & Entwicklung' },
    { firstName: 'Jean "JJ"', lastName: "O'Neil, Jr.", department: 'Sales, EMEA' },
    { firstName: '=SUM(A1)', lastName: 'Formula', department: '+Ops' },
    { firstName: '李', lastName: '小龙', department: 'Support' },
  ];
  for (let i = 0; i < 22; i++) {
    const p = tricky[i] ?? { firstName: `Person${String(i).padStart(2, '0')}`, lastName: 'Nophoto', department: 'Engineering' };
    const id = await addExtension(p);
    expectedMissing.set(id, `${p.firstName} ${p.lastName}`);
  }
  for (let i = 0; i < 2; i++) {
    await addExtension({ firstName: `Has${i}`, lastName: 'Photo', photoBase64 });
    expectedWithPhoto++;
  }
  leftOut.push(await addExtension({ firstName: 'Disabled', lastName: 'Dana', status: 'Disabled' }));
  leftOut.push(await addExtension({ firstName: 'Unassigned', lastName: 'Desk', status: 'Unassigned' }));
  leftOut.push(await addExtension({ firstName: 'Not', lastName: 'Activated', status: 'NotActivated' }));
  leftOut.push(await addExtension({ firstName: 'Helper', lastName: 'Bot', type: 'Bot' }));
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('who may audit', () => {
  it('politely refuses a person who is not an admin, without reading the directory', async () => {
    const person = w.setup.withoutPhoto;
    const before = (await listCalls()).length;
    await say(w.setup.directChats[person.id]!, person.id, 'audit missing photos');
    const reply = await w.waitForPost(w.setup.directChats[person.id]!, (p) => p.creatorId === w.setup.botId && /^Sorry, the photo audit/.test(p.text ?? ''));
    expect(reply.text).toMatch(/^Sorry, the photo audit is for RingCentral administrators/);
    // In a group that is not an admin chat, a non-admin is refused too.
    await say(w.setup.adminsChatId, w.setup.withPhoto.id, `${mention()} who has no photo`);
    await w.waitForPost(w.setup.adminsChatId, (p) => p.creatorId === w.setup.botId && /^Sorry, the photo audit/.test(p.text ?? ''));
    expect((await listCalls()).length).toBe(before);
  });
});

let firstCsvIds: string[] = [];

describe('audit missing photos', () => {
  it('reports exactly the people without a photo, as a card and a CSV file that opens in a spreadsheet', async () => {
    const admin = w.setup.admin;
    const dm = w.setup.directChats[admin.id]!;
    const callsBefore = (await listCalls()).length;
    await say(dm, admin.id, 'audit missing photos');
    const cardPost = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(p.card));
    const facts = factsOf(cardPost.card);
    const total = expectedMissing.size + expectedWithPhoto;
    expect(facts).toMatchObject({
      'Extensions checked': String(total),
      'With a photo': String(expectedWithPhoto),
      'Without a photo': String(expectedMissing.size),
    });
    const cardText = JSON.stringify(cardPost.card);
    expect(cardText).toContain(`first 20 of ${expectedMissing.size}`);
    // Sorted by name: the first 20 are on the card, the rest only in the CSV.
    expect(cardText).toContain(`Jean \\"JJ\\" O'Neil, Jr.`);
    for (const id of leftOut) expect(cardText).not.toContain(id);

    // One page of 1000, filtered by type and status: never one request per person.
    const calls = (await listCalls()).slice(callsBefore);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.group).toBe('Medium');

    // The CSV: uploaded to the chat as a file; download it through its contentUri.
    const filePost = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && (p.attachments ?? []).some((a) => /\.csv$/.test(String(a.name))));
    const attachment = filePost.attachments!.find((a) => /\.csv$/.test(String(a.name)))!;
    expect(attachment.name).toMatch(/^missing-profile-photos-\d{4}-\d{2}-\d{2}\.csv$/);
    const { bytes } = await w.bot.platform.bot().downloadAttachment(String(attachment.contentUri), 1_000_000);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    const lines = text.slice(1).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(expectedMissing.size + 1);
    for (const line of lines) expect(line).toMatch(/^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/);
    const rows = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(expectedMissing.size);
    firstCsvIds = rows.map((r) => r['Extension id']!);
    expect(new Set(firstCsvIds)).toEqual(new Set(expectedMissing.keys()));
    const byId = new Map(rows.map((r) => [r['Extension id']!, r]));
    for (const [id, name] of expectedMissing) {
      const shown = byId.get(id)!.Name!;
      expect(shown === name || shown === `'${name}`).toBe(true);
    }
    expect(rows.find((r) => r.Name === 'Zoë Ångström')?.Department).toBe('Forschung & Entwicklung');
    expect(rows.find((r) => r.Name === `Jean "JJ" O'Neil, Jr.`)?.Department).toBe('Sales, EMEA');
    expect(rows.find((r) => r.Name === '李 小龙')).toBeDefined();
    // A name a spreadsheet would run as a formula is neutralised.
    expect(rows.find((r) => r.Name!.includes('SUM'))!.Name).toBe("'=SUM(A1) Formula");
    expect(rows.find((r) => r.Name!.includes('SUM'))!.Department).toBe("'+Ops");
  });

  it('a second audit after two people set their photos shows them as fixed', async () => {
    const admin = w.setup.admin;
    const dm = w.setup.directChats[admin.id]!;
    const fixers = [...expectedMissing.keys()].filter((id) => id !== w.setup.withoutPhoto.id).slice(-2);
    for (const id of fixers) {
      await setPhoto(id);
      expectedMissing.delete(id);
      expectedWithPhoto++;
    }
    const cardsBefore = (await w.botPosts(dm)).filter((p) => p.card).length;
    await say(dm, admin.id, 'audit');
    const card = await nextCard(dm, cardsBefore);
    const facts = factsOf(card.card);
    expect(facts).toMatchObject({
      'Without a photo': String(expectedMissing.size),
      'Fixed since last audit': '2',
      'Newly missing': '0',
    });
    expect(JSON.stringify(card.card)).toMatch(/Since the last audit .*: 2 fixed, 0 newly missing/);
    // The trend keeps every run.
    const history = await w.bot.audit.history.trend(10);
    expect(history.map((h) => h.withoutPhoto).slice(-2)).toEqual([expectedMissing.size + 2, expectedMissing.size]);
  });
});

describe('admin chats', () => {
  it('an admin registers a group for reports; then anyone there may audit; only admins unregister', async () => {
    const chat = w.setup.adminsChatId;
    const { admin, withPhoto } = w.setup;
    await say(chat, withPhoto.id, `${mention()} send audit reports here`);
    await w.waitForPost(chat, (p) => p.creatorId === w.setup.botId && p.text === 'Sorry, only RingCentral administrators can do that.');
    expect(await w.bot.audit.adminChats.has(chat)).toBe(false);

    await say(chat, admin.id, `${mention()} send audit reports here`);
    const done = await w.waitForPost(chat, (p) => p.creatorId === w.setup.botId && /^Done: this chat will get the photo audit report/.test(p.text ?? ''));
    expect(done.text).toContain('0 9 * * 1-5');
    expect((await w.bot.audit.adminChats.list()).map((c) => c.chatId)).toContain(chat);

    await say(chat, withPhoto.id, `${mention()} audit missing photos`);
    const card = await w.waitForPost(chat, (p) => p.creatorId === w.setup.botId && Boolean(p.card));
    expect(factsOf(card.card)['Without a photo']).toBe(String(expectedMissing.size));

    await say(chat, withPhoto.id, `${mention()} stop audit reports`);
    expect(await w.bot.audit.adminChats.has(chat)).toBe(true);
    await say(chat, admin.id, `${mention()} stop audit reports`);
    await w.waitForPost(chat, (p) => p.creatorId === w.setup.botId && p.text === 'Done: no more scheduled audit reports in this chat.');
    expect(await w.bot.audit.adminChats.has(chat)).toBe(false);
  });

  it('greets a group it is added to and says how to turn the reports on', async () => {
    const group = await w.control.addChat({ type: 'Group', name: 'Team leads', members: [w.setup.admin.id, w.setup.botId] });
    const hello = await w.waitForPost(group.id, (p) => p.creatorId === w.setup.botId);
    expect(hello.text).toMatch(/^Hi! I look after profile photos/);
    expect(hello.text).toContain('**send audit reports here**');
    expect(hello.text).toContain('**audit missing photos**');
  });
});

describe('rate limits', () => {
  it('rides out a 429 storm on the extension list and still reports exactly', async () => {
    const admin = w.setup.admin;
    const dm = w.setup.directChats[admin.id]!;
    const cardsBefore = (await w.botPosts(dm)).filter((p) => p.card).length;
    const sinceIndex = (await w.control.requests()).length;
    await w.control.faults({ method: 'GET', path: LIST_PATH, status: 429, count: 4 });
    const post = await w.control.post(dm, { creatorId: admin.id, text: 'who has no photo' });
    const card = await nextCard(dm, cardsBefore, 25_000);
    expect(card, 'the audit card after the storm').toBeDefined();
    expect(factsOf(card.card)['Without a photo']).toBe(String(expectedMissing.size));
    const requests = (await w.control.requests()).slice(sinceIndex);
    expect(requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(4);
    expect(await w.waitHandled(post.id)).toBe('done');
  }, 30_000);
});

describe('reminders', () => {
  it('asks to confirm, sends one DM per person without a photo, honours opt-outs and the interval', async () => {
    const admin = w.setup.admin;
    const dm = w.setup.directChats[admin.id]!;
    const optOut = w.setup.withoutPhoto;
    expect(expectedMissing.has(optOut.id)).toBe(true);
    await say(w.setup.directChats[optOut.id]!, optOut.id, 'stop reminding me');
    await w.waitForPost(w.setup.directChats[optOut.id]!, (p) => p.creatorId === w.setup.botId && /won't remind you/.test(p.text ?? ''));

    // Without a plan, confirming does nothing.
    await say(dm, admin.id, 'confirm reminders');
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /no reminders waiting/.test(p.text ?? ''));

    const toRemind = [...expectedMissing.keys()].filter((id) => id !== optOut.id);
    await say(dm, admin.id, 'remind people without photos');
    // Plain text, or a card whose fallback text says the same when card buttons are configured.
    const wording = (p: EmulatorPostView) => p.text || String(p.card?.fallbackText ?? '');
    const ask = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /would get one direct message/.test(wording(p)));
    expect(wording(ask)).toContain(`${toRemind.length} people without a profile photo would get one direct message`);
    expect(wording(ask)).toContain('1 person asked not to be reminded');
    expect(wording(ask)).toContain('**confirm reminders**');

    await say(dm, admin.id, 'confirm reminders');
    const done = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /^Reminders done/.test(p.text ?? ''), 30_000);
    expect(done.text).toBe(`Reminders done: sent ${toRemind.length}.`);

    const state = await w.control.state();
    const directWith = (id: string) => state.chats.filter((c) => c.type === 'Direct' && c.members.includes(id) && c.members.includes(w.setup.botId));
    for (const id of toRemind) {
      const chats = directWith(id);
      expect(chats, `a direct chat with ${id}`).toHaveLength(1);
      const reminders = (await w.control.posts(chats[0]!.id)).filter((p) => p.creatorId === w.setup.botId && /doesn't have a photo yet/.test(p.text ?? ''));
      expect(reminders, `one reminder for ${id}`).toHaveLength(1);
    }
    const optedOutPosts = await w.control.posts(w.setup.directChats[optOut.id]!);
    expect(optedOutPosts.some((p) => /doesn't have a photo yet/.test(p.text ?? ''))).toBe(false);
    for (const id of leftOut) expect(directWith(id)).toHaveLength(0);
    const withPhotoPosts = await w.control.posts(w.setup.directChats[w.setup.withPhoto.id]!);
    expect(withPhotoPosts.some((p) => /doesn't have a photo yet/.test(p.text ?? ''))).toBe(false);

    // Asking again within REMINDER_INTERVAL_DAYS: nobody to remind.
    await say(dm, admin.id, 'remind people without photos');
    const again = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /^Nobody to remind/.test(p.text ?? ''));
    expect(again.text).toContain(`${toRemind.length} people got a reminder in the last 30 days`);
  }, 60_000);
});
