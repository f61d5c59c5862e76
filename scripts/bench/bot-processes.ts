/**
 * Bot processes for the benchmarks (webhook-bench.ts, store-bench.ts, demo-bench.ts): the
 * production build (`node dist/main.js`, built when missing) started on loopback against the
 * emulator with WebHook delivery, one or several instances on one database; temp PostgreSQL
 * databases; the deliveries the load generator (load.ts) sends; /proc readings of a process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Jimp } from 'jimp';
import { createEmulatorControl, type EmulatorControl } from '../../src/demo/emulator-control.ts';
import { FILES_MEDIA_PREFIX } from '../../src/emulator/create-emulator.ts';
import { freePort } from '../../test/helpers/spawn-process.ts';
import { tempPostgresDatabase } from '../../test/helpers/temp-postgres.ts';

/** The project's root folder. */
export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const HELP_EVERY_MS = Number(process.env.BENCH_HELP_EVERY_MS ?? 4000);
/** Extra node options for the bot processes (BENCH_NODE_ARGS, space-separated), e.g. `--cpu-prof`. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Builds dist/ (`scripts/build.mjs`) when dist/main.js is missing. */
export async function ensureBuilt(): Promise<void> {
  if (fs.existsSync(path.join(root, 'dist/main.js'))) return;
  const built = spawn(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  const code = await new Promise((r) => built.once('exit', r));
  if (code !== 0) throw new Error(`the build failed (${String(code)})`);
}

/** The bench photo: BENCH_PHOTO, the shared 36 MP JPEG, else a generated 6 MP JPEG. */
export async function photoBytes(): Promise<{ name: string; bytes: Buffer }> {
  const candidates = [process.env.BENCH_PHOTO, path.resolve(root, '../shared/images/large-jpeg-6000x6000-36MP.jpg')].filter(Boolean) as string[];
  for (const c of candidates) if (fs.existsSync(c)) return { name: path.basename(c), bytes: fs.readFileSync(c) };
  const img = new Jimp({ width: 3000, height: 2000, color: 0x336699ff });
  return { name: 'generated-3000x2000.jpg', bytes: await img.getBuffer('image/jpeg', { quality: 90 }) };
}

export { freePort };

/**
 * Spawns `cmd args` in the project root; resolves once its output matches `ready` (at once
 * without it). Rejects, with the last output, when it exits first or (killing it) when
 * `ready` has not shown within `readyTimeoutMs`.
 */
export function startProcess(cmd: string, args: string[], env: Record<string, string | undefined>, ready?: RegExp, readyTimeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = ready
      ? setTimeout(() => {
          child.kill('SIGTERM');
          reject(new Error(`${args.join(' ')} did not print ${String(ready)} within ${readyTimeoutMs} ms: ${out.slice(-2000)}`));
        }, readyTimeoutMs)
      : undefined;
    const onData = (b: Buffer) => {
      out += b.toString();
      if (ready?.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
      if (out.length > 100_000) out = out.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const message = `${args.join(' ')} exited ${code}: ${out.slice(-2000)}`;
      reject(new Error(message));
      // A stop we asked for (SIGTERM: tsx exits 143) is not news; anything else is.
      if (!child.killed && code !== 0 && code !== null) console.error(message);
    });
    if (!ready) resolve(child);
  });
}

/** Polls `f` every 50 ms until it resolves true; throws naming `what` after `timeoutMs`. */
export async function until(f: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JSON of a bot's `GET /health`. */
export async function health(botUrl: string): Promise<Record<string, any>> {
  return (await (await fetch(`${botUrl}/health`)).json()) as Record<string, any>;
}

/**
 * A new temp database on TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test,
 * test/helpers/temp-postgres.ts) and how to drop it; undefined, with a line on stderr, when
 * PostgreSQL does not answer.
 */
export async function postgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  try {
    const d = await tempPostgresDatabase();
    return { url: d.url, drop: d.cleanup };
  } catch (e) {
    console.error(`bench: PostgreSQL runs skipped (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
}

/** CPU seconds (user + system) of a process so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process, MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** The load average over the last minute, rounded to 0.01. */
export const loadAverage1m = () => Math.round(os.loadavg()[0]! * 100) / 100;

export interface Bots {
  urls: string[];
  pids: number[];
  token: string;
  botId: string;
  control: ReturnType<typeof createEmulatorControl>;
  group: { id: string };
  helpDm: { id: string };
  photoDm: { id: string };
  admin: { id: string };
  talker: { id: string };
  photographer: { id: string };
  startMs: number;
  /** Stops bot `i` (SIGTERM, waits for its exit) and starts it again on the same database; `pids` follows. */
  restartBot: (i: number) => Promise<void>;
  close: () => void;
}

const keys = new Map<string, string>();
function keyFor(databaseUrl: string): string {
  if (!keys.has(databaseUrl)) keys.set(databaseUrl, crypto.randomBytes(32).toString('base64'));
  return keys.get(databaseUrl)!;
}

/**
 * The emulator (`scripts/emulator.ts`) plus `instances` bots (production build, LOG_LEVEL=warn)
 * on `databaseUrl`, installed, with a group chat and two direct chats made and greeted.
 */
export async function startBots(databaseUrl: string, instances: number): Promise<Bots> {
  const children: ChildProcess[] = [];
  const close = () => {
    for (const c of children.reverse()) c.kill('SIGTERM');
  };
  try {
    const emulatorPort = await freePort();
    const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    // The emulator stands in for RingCentral's servers, which don't share the bot's cores: at
    // nice 10 its work (serving and checking photos with jimp) yields the two cores to the bot and
    // the load generator.
    children.push(await startProcess('nice', ['-n', '10', tsx, 'scripts/emulator.ts'], { ...baseEnv, EMULATOR_PORT: String(emulatorPort), EMULATOR_USERS: '6' }, /listening on/));
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const control = createEmulatorControl(emulatorUrl);
    const seeded = await control.state();
    const token = crypto.randomBytes(24).toString('base64url');
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const env = (port: number) => ({
      ...baseEnv,
      NODE_ENV: 'production',
      RINGCENTRAL_SERVER_URL: emulatorUrl,
      RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
      TOKEN_ENCRYPTION_KEY: keyFor(databaseUrl),
      WEBHOOK_VERIFICATION_TOKEN: token,
      PUBLIC_URL: urls[0],
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      // The emulator's file links, so photos are downloaded (and processed) as RingCentral's are.
      ATTACHMENT_FILE_PATHS: `${FILES_MEDIA_PREFIX}/`,
      LOG_LEVEL: 'warn',
    });
    const t0 = performance.now();
    children.push(await startProcess(process.execPath, [...NODE_ARGS, 'dist/main.js'], env(ports[0]!)));
    await until(async () => (await fetch(`${urls[0]}/health`)).ok, 30_000, 'the bot');
    const startMs = Math.round(performance.now() - t0);
    const install = await control.installBot({ redirectUri: `${urls[0]}/oauth` });
    const botId = install.bot.extensionId;
    await until(async () => (await health(urls[0]!)).eventDelivery?.state === 'active', 30_000, 'an active subscription');
    for (let i = 1; i < instances; i++) {
      children.push(await startProcess(process.execPath, [...NODE_ARGS, 'dist/main.js'], env(ports[i]!)));
      await until(async () => (await health(urls[i]!)).bot?.installed === true, 30_000, `bot ${i + 1}`);
    }
    const [admin, talker, photographer] = [seeded.users.find((u) => u.admin)!, ...seeded.users.filter((u) => !u.admin)];
    const group = await control.addChat({ type: 'Group', name: 'Chatter', members: [admin.id, talker!.id, botId] });
    const helpDm = await control.addChat({ type: 'Direct', members: [talker!.id, botId] });
    const photoDm = await control.addChat({ type: 'Direct', members: [photographer!.id, botId] });
    for (const c of [group, helpDm, photoDm]) await until(async () => (await control.posts(c.id)).some((p) => p.creatorId === botId), 30_000, 'the greetings');
    const pids = children.slice(1).map((c) => c.pid!);
    const restartBot = async (i: number) => {
      const old = children[i + 1]!;
      if (old.exitCode === null && old.signalCode === null) {
        const exited = new Promise((r) => old.once('exit', r));
        old.kill('SIGTERM');
        await exited;
      }
      const fresh = await startProcess(process.execPath, [...NODE_ARGS, 'dist/main.js'], env(ports[i]!));
      children[i + 1] = fresh;
      pids[i] = fresh.pid!;
      await until(async () => (await health(urls[i]!)).eventDelivery?.state === 'active', 30_000, `bot ${i + 1} after its restart`);
    };
    return { urls, pids, token, botId, control, group, helpDm, photoDm, admin, talker: talker!, photographer: photographer!, startMs, restartBot, close };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * Delivery bodies for load.ts `drive`: group chatter the bot ignores, and a "help" in a direct
 * chat every BENCH_HELP_EVERY_MS (4000) at `rate`; `tag` keeps post ids unique per run.
 */
export function deliveries(b: Bots, rate: number, tag: string) {
  const helpEvery = Math.max(1, Math.round((HELP_EVERY_MS / 1000) * rate));
  return (i: number) => {
    const help = i % helpEvery === helpEvery - 1;
    return JSON.stringify({
      uuid: crypto.randomUUID(),
      event: '/team-messaging/v1/posts',
      timestamp: new Date().toISOString(),
      subscriptionId: 'bench',
      ownerId: b.botId,
      body: {
        id: `bench-${tag}-${i}`,
        groupId: help ? b.helpDm.id : b.group.id,
        type: 'TextMessage',
        text: help ? 'help' : `lunch at noon? #${i}`,
        creatorId: help ? b.talker.id : b.admin.id,
        mentions: null,
        attachments: null,
        eventType: 'PostAdded',
      },
    });
  };
}

/** Waits (up to 2 min) until the first bot's /health shows nothing pending or processing. */
export async function inboxEmpty(b: Bots): Promise<void> {
  await until(async () => {
    const h = await health(b.urls[0]!);
    return h.inbox.pending === 0 && h.inbox.processing === 0;
  }, 120_000, 'an empty inbox');
}

/** Runs a bench's `main`: exit 0 when it resolves, 1 with the error on stderr when it throws. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

const authorizeUrlIn = (text: string | null | undefined) => /(https?:\/\/\S+\/authorize\?\S+)/.exec(text ?? '')?.[1];

/**
 * One "set my avatar" by `personId` in `dm`; approves the sign-in link when the bot sends one
 * (on the emulator's consent page, then the redirect to the bot, as the e2e tests do). Resolves
 * 'set' on the bot's card, or what went wrong ('no answer in time' after `timeoutMs`).
 */
export async function setMyAvatar(control: EmulatorControl, dm: string, personId: string, botId: string, photo: { name: string; bytes: Buffer }, timeoutMs: number) {
  const sent = await control.post(dm, { creatorId: personId, text: 'set my avatar', attachments: [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
  let signedIn = false;
  let outcome: string | undefined;
  await until(
    async () => {
      const posts = await control.posts(dm);
      const replies = posts.slice(posts.findIndex((p) => p.id === sent.id) + 1).filter((p) => p.creatorId === botId);
      const link = replies.map((p) => authorizeUrlIn(p.text)).find(Boolean);
      if (replies.some((p) => p.card)) outcome = 'set';
      else if (link && !signedIn) {
        signedIn = true;
        const { location } = await control.consent({ authorizeUrl: link, extensionId: personId });
        const back = await fetch(location);
        if (!back.ok) outcome = `sign-in redirect answered ${back.status}`;
      } else {
        // A text that is not the link is an error reply (the card's photo comes as a file post first).
        outcome = replies.find((p) => p.text && !authorizeUrlIn(p.text) && !p.attachments?.length)?.text?.slice(0, 200) ?? undefined;
      }
      return outcome !== undefined;
    },
    timeoutMs,
    'the photo set',
  ).catch(() => (outcome = 'no answer in time'));
  return { outcome: outcome!, signedIn };
}
