/**
 * The production start (`node --import tsx src/main.ts`, what `npm start` runs; with
 * DRAIN_START=dist, `node dist/main.js` after `npm run build`) stopped while busy: photos in the
 * worker pool and about 100 WebHook deliveries a second, SIGTERM in the middle (and a second
 * SIGTERM soon after, which must not cut the drain short). It must exit 0 with every delivery it
 * accepted (answered 200) handled: no event left pending, processing or failed in the inbox, and
 * every `help` and every photo answered in its chat. Demo mode the same under SIGINT (Ctrl-C).
 *
 * DRAIN_TRIALS (default 1) repeats each scenario; `DRAIN_TRIALS=20 npx vitest run
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
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');
const TRIALS = Math.max(1, Number(process.env.DRAIN_TRIALS ?? 1));
const FROM_DIST = process.env.DRAIN_START === 'dist';
const RATE = 100;
const SIGTERM_AT_MS = 1_800;
const PHOTOS = 3;

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

/** Inbox rows by status, and the payloads of the finished ones. */
function inboxOf(file: string): { byStatus: Record<string, number>; done: Array<{ uuid: string; payload: Record<string, any> }> } {
  const db = new Database(file, { readonly: true });
  try {
    const byStatus = Object.fromEntries(
      (db.prepare('SELECT status, count(*) AS n FROM inbox GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
    );
    const done = (db.prepare("SELECT uuid, payload FROM inbox WHERE status = 'done'").all() as Array<{ uuid: string; payload: string }>).map((r) => ({
      uuid: r.uuid,
      payload: JSON.parse(r.payload) as Record<string, any>,
    }));
    return { byStatus, done };
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

describe('SIGTERM to the production start while busy', () => {
  for (let trial = 1; trial <= TRIALS; trial++) {
    it(`drains and exits 0, nothing accepted lost (trial ${trial}/${TRIALS})`, async () => {
      const emulator: Emulator = await createEmulator({ port: 0, seed: { users: 6, withPhotoRatio: 0.5 } });
      cleanups.push(() => emulator.close());
      const db = tempDatabase();
      cleanups.push(() => db.cleanup());
      const control = createEmulatorControl(emulator.url);
      const seeded = await control.state();
      const botPort = await freePort();
      const botUrl = `http://127.0.0.1:${botPort}`;
      const verificationToken = crypto.randomBytes(24).toString('base64url');
      const bot = spawnProcess(process.execPath, startArgs(), {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'production',
          RINGCENTRAL_SERVER_URL: emulator.url,
          RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
          RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
          // The emulator's file links (RingCentral's are under the default /web/customer_files/).
          ATTACHMENT_FILE_PATHS: `${FILES_MEDIA_PREFIX}/`,
          TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
          WEBHOOK_VERIFICATION_TOKEN: verificationToken,
          PUBLIC_URL: botUrl,
          PORT: String(botPort),
          HOST: '127.0.0.1',
          DATABASE_URL: `file:${db.file}`,
          LOG_LEVEL: 'info',
          AVATAR_WORKERS: '1',
          // a `help` every 25th delivery from one person: flood control would coalesce them
          FLOOD_COMMANDS_PER_MINUTE: '0',
        },
      });
      started.push(bot);
      step('bot spawned');
      await waitUntil(async () => (await fetch(`${botUrl}/health`).catch(() => undefined))?.ok, 'the bot listening', 60_000);
      const botId = (await control.installBot({ redirectUri: `${botUrl}/oauth` })).bot.extensionId;
      await waitUntil(
        async () => ((await (await fetch(`${botUrl}/health`)).json()) as { eventDelivery?: { state?: string } }).eventDelivery?.state === 'active',
        'an active subscription',
        30_000,
      );
      const [admin, talker, photographer] = [seeded.users.find((u) => u.admin)!, ...seeded.users.filter((u) => !u.admin)];
      const group = await control.addChat({ type: 'Group', name: 'Chatter', members: [admin.id, talker!.id, botId] });
      const helpDm = await control.addChat({ type: 'Direct', members: [talker!.id, botId] });
      const photoDm = await control.addChat({ type: 'Direct', members: [photographer!.id, botId] });
      for (const c of [group, helpDm, photoDm]) await waitUntil(async () => (await control.posts(c.id)).some((p) => p.creatorId === botId), 'the greeting', 30_000);
      const photo = await samplePhoto();
      const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
      step('chats ready');
      await authorizePhotographer(control, photoDm.id, photographer!.id, botId, attach);
      step('photographer authorized; load starts');

      // Load: ~100 deliveries/s (chatter in the group, a `help` in a Direct chat every 25th),
      // photos posted through the emulator (which delivers them by WebHook); SIGTERM part-way.
      const loadStart = Date.now();
      const accepted: string[] = [];
      const inFlight = new Set<Promise<void>>();
      const inboxTotal = async () =>
        Object.values(((await (await fetch(`${botUrl}/health`)).json()) as { inbox: Record<string, number> }).inbox).reduce((a, b) => a + b, 0);
      const before = await inboxTotal();
      const photoPosts = Array.from({ length: PHOTOS }, () => control.post(photoDm.id, { creatorId: photographer!.id, text: 'set my photo', attachments: attach }));
      await Promise.all(photoPosts);
      // The emulator delivers the photos by WebHook on its own time: they are in the bot's inbox
      // before the stop, so every one of them must be answered.
      await waitUntil(async () => ((await inboxTotal()) >= before + PHOTOS ? true : undefined), 'the photos delivered', 30_000);
      let sent = 0;
      let signalled = false;
      let signalledAt = Infinity;
      // Until the signal (once 100 deliveries were accepted, which a loaded machine may take a
      // while to reach) and for 500 ms after it.
      while (!signalled || Date.now() - signalledAt < 500) {
        if (Date.now() - loadStart > 60_000) throw new Error(`only ${accepted.length} of ${sent} deliveries accepted in 60 s`);
        const due = Math.floor(((Date.now() - loadStart) / 1000) * RATE);
        while (sent < due) {
          sent++;
          const help = sent % 25 === 0;
          const uuid = crypto.randomUUID();
          const body = JSON.stringify({
            uuid,
            event: '/team-messaging/v1/posts',
            timestamp: new Date().toISOString(),
            subscriptionId: 'drain-test',
            ownerId: botId,
            body: {
              id: `drain-${sent}`,
              groupId: help ? helpDm.id : group.id,
              type: 'TextMessage',
              text: help ? 'help' : `lunch at noon? #${sent}`,
              creatorId: help ? talker!.id : admin.id,
              mentions: null,
              attachments: null,
              eventType: 'PostAdded',
            },
          });
          const p: Promise<void> = fetch(`${botUrl}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'Verification-Token': verificationToken }, body })
            .then(async (res) => {
              await res.arrayBuffer();
              if (res.status === 200) accepted.push(uuid);
            })
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
          setTimeout(() => bot.signalMain('SIGTERM'), 300).unref();
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      step(`load sent (${sent} deliveries)`);
      await Promise.all([...inFlight]);
      step(`answers in (${accepted.length} accepted)`);
      const code = await bot.exited;
      step(`bot exited (${String(code)})`);
      const log = bot.lines.join('\n');
      expect(code, log.slice(-3000)).toBe(0);
      expect(log).toMatch(/"msg":"stopped"/);
      expect(log).toMatch(/already shutting down/);
      expect(accepted.length).toBeGreaterThanOrEqual(100);

      const inbox = inboxOf(db.file);
      expect(inbox.byStatus, 'nothing pending, processing or failed').toEqual({ done: inbox.done.length });
      const doneUuids = new Set(inbox.done.map((r) => r.uuid));
      expect(accepted.filter((u) => !doneUuids.has(u))).toEqual([]);
      // Every handled `help` and photo got its answer in its chat.
      const helpsHandled = inbox.done.filter((r) => postOf(r.payload).groupId === helpDm.id && postOf(r.payload).text === 'help').length;
      const photosHandled = inbox.done.filter((r) => postOf(r.payload).groupId === photoDm.id && postOf(r.payload).text === 'set my photo').length;
      expect(helpsHandled).toBeGreaterThan(0);
      expect(photosHandled).toBe(PHOTOS + 1);
      expect((await botPostsSince(control, helpDm.id, botId, loadStart)).length).toBe(helpsHandled);
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
        return Object.values(h.inbox).reduce((a, b) => a + b, 0) >= 20 || undefined;
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
