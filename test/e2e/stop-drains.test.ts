/**
 * The production start (`node --import tsx src/main.ts`, what `npm start` runs; with
 * DRAIN_START=dist, `node dist/main.js` after `npm run build`) stopped while busy: photos in the
 * worker pool and about 100 WebHook deliveries a second, SIGTERM in the middle (and a second
 * SIGTERM soon after, which must not cut the drain short). It must exit 0 with every delivery it
 * accepted (answered 200) handled: no event left pending, processing or failed in the inbox, and
 * every `help` and every photo answered in its chat. Demo mode the same under SIGINT (Ctrl-C).
 *
 * A drain can only send what RingCentral's usage plan allows (the bot's Medium group: 40 posts a
 * minute, docs/ringcentral-notes.md §5), so the busy load asks for at most MAX_HELPS answers,
 * however many deliveries a slow machine lets through before the signal. More answers than the
 * window allows is the last scenario: the stop hands the held-back events back to the inbox
 * (nothing left `processing`, no attempt counted) and the next start answers every one, once.
 *
 * DRAIN_TRIALS (default 1) repeats the first two scenarios; `DRAIN_TRIALS=20 npx vitest run
 * test/e2e/stop-drains.test.ts` is the 20-of-20 run.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, FILES_MEDIA_PREFIX, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl, type EmulatorControl } from '../../src/demo/emulator-control.ts';
import { authorizeUrlIn, samplePhoto } from '../helpers/bot-world.ts';
import { productionBot, type ProductionBot } from '../helpers/production-bot.ts';
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');
const TRIALS = Math.max(1, Number(process.env.DRAIN_TRIALS ?? 1));
const FROM_DIST = process.env.DRAIN_START === 'dist';
const RATE = 100;
const SIGTERM_AT_MS = 1_800;
const PHOTOS = 3;
/**
 * `help`s in the busy load at most (one every 25th delivery until then): with the greetings, the
 * sign-in link and the photo cards they stay well inside the bot's 40 Medium calls a minute.
 */
const MAX_HELPS = 16;
/** `help`s in the over-the-limit scenario: more answers than one Medium window allows. */
const HELPS_OVER_LIMIT = 50;

/** Progress on stderr, so a slow step shows where the time went. */
const step = (what: string) => process.stderr.write(`[stop-drains ${new Date().toISOString()}] ${what}\n`);

const started: SpawnedProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const p of started.splice(0)) p.signal('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  if (FROM_DIST) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}, 300_000);

function startArgs(): string[] {
  return FROM_DIST ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
}

/** Inbox rows by status, and the finished ones and the pending ones. */
function inboxOf(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const byStatus = Object.fromEntries(
      (db.prepare('SELECT status, count(*) AS n FROM inbox GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
    );
    const rows = (status: string) =>
      (db.prepare('SELECT uuid, payload, attempts FROM inbox WHERE status = ?').all(status) as Array<{ uuid: string; payload: string; attempts: number }>).map((r) => ({
        uuid: r.uuid,
        attempts: r.attempts,
        payload: JSON.parse(r.payload) as Record<string, any>,
      }));
    return { byStatus, done: rows('done'), pending: rows('pending') };
  } finally {
    db.close();
  }
}

/** The post a stored notification is about (WebHook or WebSocket envelope). */
function postOf(payload: Record<string, any>): { groupId?: string; text?: string } {
  return (payload.body ?? payload.envelope?.body ?? {}) as { groupId?: string; text?: string };
}

async function botPostsSince(control: EmulatorControl, chatId: string, botId: string, since: number) {
  return (await control.posts(chatId)).filter((p) => p.creatorId === botId && Date.parse(String(p.creationTime)) >= since);
}

/** A person's photo set once, so later photos go straight to the worker pool. */
async function authorizePhotographer(control: EmulatorControl, dm: string, personId: string, botId: string, attach: object[]) {
  await control.post(dm, { creatorId: personId, text: 'set my photo', attachments: attach as never });
  const link = await waitUntil(
    async () => (await control.posts(dm)).map((p) => (p.creatorId === botId ? authorizeUrlIn(p.text) : undefined)).find(Boolean),
    'the sign-in link',
    30_000,
  );
  const { location } = await control.consent({ authorizeUrl: link, extensionId: personId });
  expect((await fetch(location)).status).toBe(200);
  await waitUntil(async () => (await control.posts(dm)).find((p) => p.creatorId === botId && p.card), 'the first photo set', 60_000);
}

/** A production bot on WebHook delivery, installed, greeted in a group and two Direct chats. */
async function busyBotWorld() {
  const emulator: Emulator = await createEmulator({ port: 0, seed: { users: 6, withPhotoRatio: 0.5 } });
  cleanups.push(() => emulator.close());
  const db = tempDatabase();
  cleanups.push(() => db.cleanup());
  const control = createEmulatorControl(emulator.url);
  const seeded = await control.state();
  const verificationToken = crypto.randomBytes(24).toString('base64url');
  const bot: ProductionBot = await productionBot({
    emulator,
    app: seeded.app,
    databaseUrl: db.url,
    from: FROM_DIST ? 'dist' : 'src',
    verificationToken,
    env: {
      // The emulator's file links (RingCentral's are under the default /web/customer_files/).
      ATTACHMENT_FILE_PATHS: `${FILES_MEDIA_PREFIX}/`,
      AVATAR_WORKERS: '1',
      // a `help` every 25th delivery from one person: flood control would coalesce them
      FLOOD_COMMANDS_PER_MINUTE: '0',
    },
  });
  cleanups.push(() => bot.killAll());
  const proc = bot.start();
  step('bot spawned');
  const botId = await bot.install(control, 60_000);
  const [admin, talker, photographer] = [seeded.users.find((u) => u.admin)!, ...seeded.users.filter((u) => !u.admin)];
  const group = await control.addChat({ type: 'Group', name: 'Chatter', members: [admin.id, talker!.id, botId] });
  const helpDm = await control.addChat({ type: 'Direct', members: [talker!.id, botId] });
  const photoDm = await control.addChat({ type: 'Direct', members: [photographer!.id, botId] });
  for (const c of [group, helpDm, photoDm]) await waitUntil(async () => (await control.posts(c.id)).some((p) => p.creatorId === botId), 'the greeting', 30_000);
  step('chats ready');

  let n = 0;
  /** Delivers one notification straight to /webhook, as RingCentral would; resolves its uuid when accepted (200). */
  const deliver = async (kind: 'help' | 'chatter'): Promise<string | undefined> => {
    n++;
    const uuid = crypto.randomUUID();
    const help = kind === 'help';
    const body = JSON.stringify({
      uuid,
      event: '/team-messaging/v1/posts',
      timestamp: new Date().toISOString(),
      subscriptionId: 'drain-test',
      ownerId: botId,
      body: {
        id: `drain-${n}`,
        groupId: help ? helpDm.id : group.id,
        type: 'TextMessage',
        text: help ? 'help' : `lunch at noon? #${n}`,
        creatorId: help ? talker!.id : admin.id,
        mentions: null,
        attachments: null,
        eventType: 'PostAdded',
      },
    });
    const res = await fetch(`${bot.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'Verification-Token': verificationToken }, body });
    await res.arrayBuffer();
    return res.status === 200 ? uuid : undefined;
  };
  /** Inbox rows in all states (/health). */
  const inboxTotal = async () => Object.values((await bot.health()).inbox as Record<string, number>).reduce((a, b) => a + b, 0);
  return { emulator, db, control, bot, proc, botId, group, helpDm, photoDm, photographer: photographer!, deliver, inboxTotal };
}

describe('SIGTERM to the production start while busy', () => {
  for (let trial = 1; trial <= TRIALS; trial++) {
    it(`drains and exits 0, nothing accepted lost (trial ${trial}/${TRIALS})`, async () => {
      const w = await busyBotWorld();
      const { control, botId, helpDm, photoDm, proc: bot } = w;
      const photo = await samplePhoto();
      const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
      await authorizePhotographer(control, photoDm.id, w.photographer.id, botId, attach);
      step('photographer authorized; load starts');

      // Load: ~100 deliveries/s (chatter in the group, a `help` in a Direct chat every 25th, at
      // most MAX_HELPS), photos posted through the emulator (which delivers them by WebHook);
      // SIGTERM part-way.
      const loadStart = Date.now();
      const accepted: string[] = [];
      const inFlight = new Set<Promise<void>>();
      const before = await w.inboxTotal();
      const photoPosts = Array.from({ length: PHOTOS }, () => control.post(photoDm.id, { creatorId: w.photographer.id, text: 'set my photo', attachments: attach }));
      await Promise.all(photoPosts);
      // The emulator delivers the photos by WebHook on its own time: they are in the bot's inbox
      // before the stop, so every one of them must be answered.
      await waitUntil(async () => (await w.inboxTotal()) >= before + PHOTOS, 'the photos delivered', 30_000);
      let sent = 0;
      let helps = 0;
      let signalled = false;
      let signalledAt = Infinity;
      let secondSignalAt: number | undefined;
      // Until the signal (once 100 deliveries were accepted, which a loaded machine may take a
      // while to reach) and for 500 ms after it.
      while (!signalled || Date.now() - signalledAt < 500) {
        if (Date.now() - loadStart > 60_000) throw new Error(`only ${accepted.length} of ${sent} deliveries accepted in 60 s`);
        const due = Math.floor(((Date.now() - loadStart) / 1000) * RATE);
        while (sent < due) {
          sent++;
          const help = sent % 25 === 0 && helps < MAX_HELPS;
          if (help) helps++;
          const p: Promise<void> = w
            .deliver(help ? 'help' : 'chatter')
            .then((uuid) => void (uuid && accepted.push(uuid)))
            .catch(() => undefined) // refused after the stop: not accepted
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        // SIGTERM once 100 deliveries were accepted (a positive signal, not a clock), and keep
        // sending for a while after it.
        if (!signalled && accepted.length >= 100) {
          signalled = true;
          signalledAt = Date.now();
          bot.signalMain('SIGTERM');
          // A second SIGTERM while the drain runs must not cut it short.
          void bot.waitForLine((l) => l.includes('shutting down'), 30_000).then(
            () => {
              secondSignalAt = Date.now();
              bot.signalMain('SIGTERM');
            },
            () => undefined,
          );
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      step(`load sent (${sent} deliveries, ${helps} helps)`);
      await Promise.all([...inFlight]);
      step(`answers in (${accepted.length} accepted)`);
      const code = await bot.exited;
      step(`bot exited (${String(code)})`);
      const log = bot.lines.join('\n');
      expect(code, log.slice(-3000)).toBe(0);
      expect(log).toMatch(/"msg":"stopped"/);
      // The second signal was logged and ignored, unless the drain had already ended when it was
      // sent (a fast machine stops in well under a second).
      const stoppedAt = Date.parse(String((JSON.parse(bot.lines.find((l) => l.includes('"msg":"stopped"'))!) as { time: string }).time));
      if (!/already shutting down/.test(log)) expect(secondSignalAt === undefined || stoppedAt <= secondSignalAt + 50, `second SIGTERM at ${secondSignalAt}, stopped at ${stoppedAt}`).toBe(true);
      expect(accepted.length).toBeGreaterThanOrEqual(100);

      const inbox = inboxOf(w.db.file);
      expect(inbox.byStatus, 'nothing pending, processing or failed').toEqual({ done: inbox.done.length });
      const doneUuids = new Set(inbox.done.map((r) => r.uuid));
      expect(accepted.filter((u) => !doneUuids.has(u))).toEqual([]);
      // Every handled `help` and photo got its answer in its chat.
      const helpsHandled = inbox.done.filter((r) => postOf(r.payload).groupId === helpDm.id && postOf(r.payload).text === 'help').length;
      const photosHandled = inbox.done.filter((r) => postOf(r.payload).groupId === photoDm.id && postOf(r.payload).text === 'set my photo').length;
      expect(helpsHandled).toBeGreaterThan(0);
      expect(photosHandled).toBe(PHOTOS + 1);
      const helpAnswers = await botPostsSince(control, helpDm.id, botId, loadStart);
      const warnings = bot.lines.filter((l) => /"level":[456]0/.test(l)).slice(-20);
      expect(helpAnswers.length, `help chat: ${JSON.stringify(helpAnswers.map((p) => `${String(p.creationTime)} ${(p.text ?? '').slice(0, 60)}`))}\n${warnings.join('\n')}`).toBe(helpsHandled);
      expect((await botPostsSince(control, photoDm.id, botId, loadStart)).filter((p) => p.card).length, 'one confirmation card per photo').toBe(PHOTOS);
    }, 400_000);
  }
});

describe('Ctrl-C (SIGINT) in demo mode while busy', () => {
  for (let trial = 1; trial <= TRIALS; trial++) {
    it(`drains and exits 0, nothing accepted lost (trial ${trial}/${TRIALS})`, async () => {
      const db = tempDatabase();
      cleanups.push(() => db.cleanup());
      const port = await freePort();
      const emulatorPort = await freePort();
      const demo = spawnProcess(process.execPath, startArgs(), {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATABASE_URL: db.url, LOG_LEVEL: 'info', AVATAR_WORKERS: '1', FLOOD_COMMANDS_PER_MINUTE: '0' },
      });
      started.push(demo);
      await demo.waitForLine((l) => l.includes('=== Demo is ready ==='), 60_000);
      step('demo ready');
      const control = createEmulatorControl(`http://127.0.0.1:${emulatorPort}`);
      const state = await control.state();
      const botId = state.bot!.extensionId;
      const dms = state.chats.filter((c) => c.type === 'Direct' && c.members.includes(botId));
      const [helpDm, photoDm] = [dms[0]!, dms[1] ?? dms[0]!];
      const photo = await samplePhoto();
      const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
      const photographer = photoDm.members.find((m) => m !== botId)!;
      await authorizePhotographer(control, photoDm.id, photographer, botId, attach);
      const group = state.chats.find((c) => c.type !== 'Direct' && c.members.includes(botId))!;
      const chatter = group.members.find((m) => m !== botId)!;
      const talker = helpDm.members.find((m) => m !== botId)!;

      // Busy: photos in the worker pool and ~100 posts/s through the emulator, then Ctrl-C.
      for (let i = 0; i < PHOTOS; i++) await control.post(photoDm.id, { creatorId: photographer, text: 'set my photo', attachments: attach });
      const loadStart = Date.now();
      const posts = new Set<Promise<unknown>>();
      let sent = 0;
      while (Date.now() - loadStart < SIGTERM_AT_MS) {
        const due = Math.floor(((Date.now() - loadStart) / 1000) * RATE);
        while (sent < due) {
          sent++;
          const help = sent % 25 === 0;
          const p = control.post(help ? helpDm.id : group.id, { creatorId: help ? talker : chatter, text: help ? 'help' : `lunch at noon? #${sent}` }).catch(() => undefined);
          posts.add(p);
          void p.finally(() => posts.delete(p));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all([...posts]);
      step(`demo load posted (${sent} posts)`);
      // The emulator delivers one subscription's notifications in order, one at a time, so most
      // of them are still queued there: stop once a good part has reached the bot.
      await waitUntil(async () => {
        const h = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { inbox: Record<string, number> };
        return Object.values(h.inbox).reduce((a, b) => a + b, 0) >= 20;
      }, '20 deliveries accepted', 60_000);
      // Like Ctrl-C in a terminal: SIGINT to the whole process group, pressed twice.
      demo.signal('SIGINT');
      setTimeout(() => demo.signal('SIGINT'), 300).unref();
      step('demo: SIGINT');
      const code = await demo.exited;
      step(`demo exited (${String(code)})`);
      const log = demo.lines.join('\n');
      expect(code, log.slice(-3000)).toBe(0);
      expect(log).toMatch(/"msg":"stopped"/);

      // Every delivery the bot accepted was handled; a handler is done only after its answer was posted.
      const inbox = inboxOf(db.file);
      expect(inbox.byStatus, 'nothing pending, processing or failed').toEqual({ done: inbox.done.length });
      expect(inbox.done.filter((r) => postOf(r.payload).text === 'set my photo').length).toBe(PHOTOS + 1);
      expect(inbox.done.length).toBeGreaterThanOrEqual(20);
    }, 400_000);
  }
});

describe('SIGTERM while RingCentral rate limits hold answers back', () => {
  it('exits 0 at once with the held-back events handed back, not processing; the next start answers each once', async () => {
    const w = await busyBotWorld();
    const { control, bot, botId, helpDm, proc: first } = w;
    // More `help`s than one Medium window can answer: the bot answers what the window allows and
    // its pacer holds the rest back for the better part of a minute.
    const loadStart = Date.now();
    const accepted = (await Promise.all(Array.from({ length: HELPS_OVER_LIMIT }, () => w.deliver('help')))).filter((u): u is string => u !== undefined);
    expect(accepted).toHaveLength(HELPS_OVER_LIMIT);
    await first.waitForLine((l) => l.includes('pacing RingCentral calls') && l.includes('"group":"Medium"'), 60_000);
    step('answers held back by the Medium window; SIGTERM');
    first.signalMain('SIGTERM');
    const code = await first.exited;
    step(`bot exited (${String(code)})`);
    const log = first.lines.join('\n');
    // exit 0: inside the shutdown's own time limit (src/app/shutdown.ts exits 1 past 25 s)
    expect(code, log.slice(-3000)).toBe(0);
    expect(log).toMatch(/"msg":"stopped"/);
    expect(log).toMatch(/handed events back to the inbox/);

    // Nothing left `processing` under the stopped instance's lease, nothing failed; what was
    // not answered is pending with no attempt counted, so any instance takes it at once.
    const stopped = inboxOf(w.db.file);
    expect(stopped.byStatus.processing ?? 0, 'processing after the stop').toBe(0);
    expect(stopped.byStatus.failed ?? 0, 'failed after the stop').toBe(0);
    expect(stopped.pending.length).toBeGreaterThan(0);
    expect(stopped.pending.filter((r) => r.attempts !== 0), 'attempts counted for events handed back').toEqual([]);
    const answeredBefore = (await botPostsSince(control, helpDm.id, botId, loadStart)).length;
    expect(answeredBefore + stopped.pending.length).toBe(HELPS_OVER_LIMIT);
    step(`${answeredBefore} answered before the stop, ${stopped.pending.length} handed back; restarting`);

    // The next start answers the rest (once the window allows), each exactly once.
    const second = bot.start();
    await waitUntil(
      async () => {
        const h = await bot.health();
        return h.inbox?.pending === 0 && h.inbox?.processing === 0 && (await botPostsSince(control, helpDm.id, botId, loadStart)).length >= HELPS_OVER_LIMIT;
      },
      async () => `every help answered after the restart (have ${(await botPostsSince(control, helpDm.id, botId, loadStart)).length}):\n${second.lines.slice(-15).join('\n')}`,
      180_000,
      { ignoreErrors: true },
    );
    second.signalMain('SIGTERM');
    expect(await second.exited, second.lines.slice(-15).join('\n')).toBe(0);
    const after = inboxOf(w.db.file);
    expect(after.byStatus, 'every accepted event done').toEqual({ done: after.done.length });
    expect(accepted.filter((u) => !after.done.some((r) => r.uuid === u))).toEqual([]);
    const answers = await botPostsSince(control, helpDm.id, botId, loadStart);
    expect(answers, 'one answer per help').toHaveLength(HELPS_OVER_LIMIT);
    expect(new Set(answers.map((p) => p.text)).size, 'every answer is the help text').toBe(1);
  }, 400_000);
});
