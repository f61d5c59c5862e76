/**
 * `npm run bench -- webhook`: the webhook path against its floors, and the numbers of
 * docs/performance.md. Processes on loopback: the emulator (`scripts/emulator.ts`), the bot as
 * production runs it (`node dist/main.js`, built first when dist/ is missing; WebHook delivery),
 * the floors (load.ts) and this load generator. Prints JSON lines:
 * - `sweep`: for a bare koa app, koa with one SQLite INSERT per request, the bot on SQLite, on
 *   PostgreSQL, and three bots sharing PostgreSQL: p99 of `POST /webhook` at rising rates (group
 *   chatter the bot ignores, a "help" every BENCH_HELP_EVERY_MS) and the highest rate with
 *   p99 < 20 ms; per step the bot processes' CPU share and their main-thread busy share and
 *   stalls over 5 ms (/health's last 10 s window);
 * - `photos`: p99 at BENCH_RATE (500)/s for BENCH_SECONDS (20) while a person sends a photo every
 *   BENCH_PHOTO_EVERY_MS (2000), the first right after the start;
 * - `health`: the inbox counts /health reads, at 1k and 1M retained events, on both databases;
 * - `start`: production start to /health answering, and idle RSS after 5 s.
 * PostgreSQL runs use a temp database on TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) and are skipped when it does not answer.
 * BENCH_ONLY=sweep,photos,health,start picks parts; BENCH_RATES and BENCH_STEP_SECONDS shape the sweep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Jimp } from 'jimp';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { openStore } from '../../src/store/open-store.ts';
import { drive, quantiles, startFloor, sweep, STEP_SECONDS } from './load.ts';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PHOTO_EVERY_MS = Number(process.env.BENCH_PHOTO_EVERY_MS ?? 2000);
const HELP_EVERY_MS = Number(process.env.BENCH_HELP_EVERY_MS ?? 4000);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sweep,photos,health,start').split(','));
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'webhook', ...o }));

async function photoBytes(): Promise<{ name: string; bytes: Buffer }> {
  const candidates = [process.env.BENCH_PHOTO, path.resolve(root, '../shared/images/large-jpeg-6000x6000-36MP.jpg')].filter(Boolean) as string[];
  for (const c of candidates) if (fs.existsSync(c)) return { name: path.basename(c), bytes: fs.readFileSync(c) };
  const img = new Jimp({ width: 3000, height: 2000, color: 0x336699ff });
  return { name: 'generated-3000x2000.jpg', bytes: await img.getBuffer('image/jpeg', { quality: 90 }) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(cmd: string, args: string[], env: Record<string, string | undefined>, ready?: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (ready?.test(out)) resolve(child);
      if (out.length > 100_000) out = out.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      const message = `${args.join(' ')} exited ${code}: ${out.slice(-2000)}`;
      reject(new Error(message));
      if (code !== 0 && code !== null) console.error(message);
    });
    if (!ready) resolve(child);
  });
}

async function until(f: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function postgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const name = `bench_${crypto.randomBytes(5).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch (e) {
    console.error(`bench: PostgreSQL runs skipped (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** CPU seconds (user + system) of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface Bots {
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
  close: () => void;
}

/** The emulator plus `instances` bots (production build) on `databaseUrl`, installed, chats made. */
async function startBots(databaseUrl: string, instances: number): Promise<Bots> {
  const children: ChildProcess[] = [];
  const close = () => {
    for (const c of children.reverse()) c.kill('SIGTERM');
  };
  try {
    const emulatorPort = await freePort();
    const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    children.push(await start(tsx, ['scripts/emulator.ts'], { ...baseEnv, EMULATOR_PORT: String(emulatorPort), EMULATOR_USERS: '6' }, /listening on/));
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
      LOG_LEVEL: 'warn',
    });
    const t0 = performance.now();
    children.push(await start(process.execPath, ['dist/main.js'], env(ports[0]!)));
    await until(async () => (await fetch(`${urls[0]}/health`)).ok, 30_000, 'the bot');
    const startMs = Math.round(performance.now() - t0);
    const install = await control.installBot({ redirectUri: `${urls[0]}/oauth` });
    const botId = install.bot.extensionId;
    const health = async (u: string) => (await (await fetch(`${u}/health`)).json()) as Record<string, any>;
    await until(async () => (await health(urls[0]!)).eventDelivery?.state === 'active', 30_000, 'an active subscription');
    for (let i = 1; i < instances; i++) {
      children.push(await start(process.execPath, ['dist/main.js'], env(ports[i]!)));
      await until(async () => (await health(urls[i]!)).bot?.installed === true, 30_000, `bot ${i + 1}`);
    }
    const [admin, talker, photographer] = [seeded.users.find((u) => u.admin)!, ...seeded.users.filter((u) => !u.admin)];
    const group = await control.addChat({ type: 'Group', name: 'Chatter', members: [admin.id, talker!.id, botId] });
    const helpDm = await control.addChat({ type: 'Direct', members: [talker!.id, botId] });
    const photoDm = await control.addChat({ type: 'Direct', members: [photographer!.id, botId] });
    for (const c of [group, helpDm, photoDm]) await until(async () => (await control.posts(c.id)).some((p) => p.creatorId === botId), 30_000, 'the greetings');
    const pids = children.slice(1).map((c) => c.pid!);
    return { urls, pids, token, botId, control, group, helpDm, photoDm, admin, talker: talker!, photographer: photographer!, startMs, close };
  } catch (e) {
    close();
    throw e;
  }
}

const keys = new Map<string, string>();
function keyFor(databaseUrl: string): string {
  if (!keys.has(databaseUrl)) keys.set(databaseUrl, crypto.randomBytes(32).toString('base64'));
  return keys.get(databaseUrl)!;
}

/** A delivery body: group chatter, or a "help" in a direct chat every HELP_EVERY_MS at `rate`. */
function deliveries(b: Bots, rate: number, tag: string) {
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

async function inboxEmpty(b: Bots): Promise<void> {
  await until(async () => {
    const h = (await (await fetch(`${b.urls[0]}/health`)).json()) as Record<string, any>;
    return h.inbox.pending === 0 && h.inbox.processing === 0;
  }, 120_000, 'an empty inbox');
}

async function sweepBots(name: string, databaseUrl: string, instances: number): Promise<void> {
  const b = await startBots(databaseUrl, instances);
  try {
    const result = await sweep(async (rate) => {
      const cpu0 = b.pids.map(cpuSeconds);
      const t0 = performance.now();
      const r = await drive(b.urls.map((u) => `${u}/webhook`), { 'Verification-Token': b.token }, rate, STEP_SECONDS, deliveries(b, rate, `${name}-${rate}`));
      const wall = (performance.now() - t0) / 1000;
      const cpuShare = b.pids.map((pid, i) => Math.round(((cpuSeconds(pid) - cpu0[i]!) / wall) * 100) / 100);
      const loops = await Promise.all(b.urls.map(async (u) => ((await (await fetch(`${u}/health`)).json()) as Record<string, any>).eventLoopDelay?.lastWindow));
      await inboxEmpty(b);
      return { ...r, extra: { cpuShare, mainThread: loops.map((l) => (l ? { busyShare: l.busyShare, stallsOver5Ms: l.stallsOver5Ms, loopP99Ms: l.p99Ms } : undefined)) } };
    });
    line({ measure: 'sweep', app: name, instances, highestRateP99Under20Ms: result.best, steps: result.steps });
  } finally {
    b.close();
  }
}

async function sweepFloor(kind: 'bare' | 'sqlite', dir: string): Promise<void> {
  const port = await freePort();
  const child = await startFloor(kind, port, root, path.join(dir, `floor-${kind}.sqlite`));
  try {
    const body = (i: number) => JSON.stringify({ uuid: crypto.randomUUID(), event: '/team-messaging/v1/posts', body: { id: `f${i}`, text: 'lunch at noon?', eventType: 'PostAdded' } });
    const result = await sweep(async (rate) => {
      const cpu0 = cpuSeconds(child.pid!);
      const t0 = performance.now();
      const r = await drive([`http://127.0.0.1:${port}/`], {}, rate, STEP_SECONDS, body);
      return { ...r, extra: { cpuShare: [Math.round(((cpuSeconds(child.pid!) - cpu0) / ((performance.now() - t0) / 1000)) * 100) / 100] } };
    });
    line({ measure: 'sweep', app: kind === 'bare' ? 'koa (bare)' : 'koa + one SQLite INSERT', instances: 1, highestRateP99Under20Ms: result.best, steps: result.steps });
  } finally {
    child.kill('SIGTERM');
  }
}

async function photosUnderLoad(dir: string): Promise<void> {
  const b = await startBots(`file:${path.join(dir, 'photos.sqlite')}`, 1);
  try {
    const photo = await photoBytes();
    const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
    let photosSent = 0;
    const send = () => {
      photosSent++;
      void b.control.post(b.photoDm.id, { creatorId: b.photographer.id, text: 'set my photo', attachments: attach }).catch(() => undefined);
    };
    send(); // the first photo after the start
    const timer = setInterval(send, PHOTO_EVERY_MS);
    const r = await drive(b.urls.map((u) => `${u}/webhook`), { 'Verification-Token': b.token }, RATE, SECONDS, deliveries(b, RATE, 'photos'));
    clearInterval(timer);
    const h = (await (await fetch(`${b.urls[0]}/health`)).json()) as Record<string, any>;
    const q = quantiles(r.latencies);
    await inboxEmpty(b);
    const answered = (await b.control.posts(b.photoDm.id)).filter((p) => p.creatorId === b.botId && /sign in/i.test(p.text ?? '')).length;
    line({ measure: 'photos', rate: RATE, seconds: SECONDS, deliveries: r.latencies.length, errors: r.errors, p50Ms: q.p50, p99Ms: q.p99, maxMs: q.max, photo: photo.name, inputBytes: photo.bytes.length, photosSent, photosAnswered: answered, mainThread: h.eventLoopDelay?.lastWindow });
  } finally {
    b.close();
  }
}

/** Runs one statement on the database directly (bench set-up only), outside the store. */
async function rawSql(database: string, url: string, text: string): Promise<void> {
  if (database === 'sqlite') {
    const db = new Database(url.slice('file:'.length));
    try {
      db.exec(text);
    } finally {
      db.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function healthAtSize(database: string, url: string, retained: number): Promise<void> {
  const store = await openStore(url, { instanceId: 'bench' });
  try {
    // Filled like the webhook fills it (done events kept for deduplication), in bulk: one
    // INSERT … SELECT per 100k rows, through the same triggers that keep the counts.
    const now = Date.now();
    for (let i = 0; i < retained; i += 100_000) {
      const n = Math.min(100_000, retained - i);
      const series =
        database === 'postgres'
          ? `SELECT g AS i FROM generate_series(${i}, ${i + n - 1}) g`
          : `WITH RECURSIVE s(i) AS (SELECT ${i} UNION ALL SELECT i + 1 FROM s WHERE i < ${i + n - 1}) SELECT i FROM s`;
      await rawSql(database, url,
        `INSERT INTO inbox (uuid, account_id, source, payload, lane, status, attempts, received_at, available_at, finished_at, fair_key, fair_rank)
         SELECT 'r' || i, '~', 'webhook', '{}', 'light', 'done', 0, ${now}, ${now}, ${now}, '', 0 FROM (${series}) q`,
      );
    }
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      await store.inbox.counts();
      times.push(performance.now() - t0);
    }
    const q = quantiles(times);
    line({ measure: 'health-counts', database, retainedEvents: retained, counts: await store.inbox.counts(), p50Ms: q.p50, maxMs: q.max });
  } finally {
    await store.close();
  }
}

async function startAndIdle(dir: string): Promise<void> {
  const b = await startBots(`file:${path.join(dir, 'start.sqlite')}`, 1);
  try {
    await new Promise((r) => setTimeout(r, 5000));
    line({ measure: 'start', command: 'node dist/main.js', startToHealthMs: b.startMs, idleRssMb: rssMb(b.pids[0]!) });
  } finally {
    b.close();
  }
  const port = await freePort();
  const t0 = performance.now();
  const floor = await startFloor('bare', port, root);
  await until(async () => (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' })).ok, 10_000, 'koa');
  const ms = Math.round(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 2000));
  line({ measure: 'start', command: 'koa (bare)', startToHealthMs: ms, idleRssMb: rssMb(floor.pid!) });
  floor.kill('SIGTERM');
}

async function main() {
  if (!fs.existsSync(path.join(root, 'dist/main.js'))) {
    const built = spawn(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
    await new Promise((r) => built.once('exit', r));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-bench-'));
  const pgDbs: Array<{ drop: () => Promise<void> }> = [];
  try {
    if (ONLY.has('start')) await startAndIdle(dir);
    if (ONLY.has('health')) {
      for (const n of [1000, 1_000_000]) await healthAtSize('sqlite', `file:${path.join(dir, `health-${n}.sqlite`)}`, n);
      for (const n of [1000, 1_000_000]) {
        const d = await postgresDatabase();
        if (!d) break;
        pgDbs.push(d);
        await healthAtSize('postgres', d.url, n);
      }
    }
    if (ONLY.has('sweep')) {
      await sweepFloor('bare', dir);
      await sweepFloor('sqlite', dir);
      await sweepBots('bot on SQLite', `file:${path.join(dir, 'bot.sqlite')}`, 1);
      const d1 = await postgresDatabase();
      if (d1) {
        pgDbs.push(d1);
        await sweepBots('bot on PostgreSQL', d1.url, 1);
        const d3 = await postgresDatabase();
        if (d3) {
          pgDbs.push(d3);
          await sweepBots('bots on PostgreSQL', d3.url, 3);
        }
      }
    }
    if (ONLY.has('photos')) await photosUnderLoad(dir);
    line({ measure: 'machine', cpus: os.cpus().length, loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100 });
  } finally {
    for (const d of pgDbs) await d.drop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
