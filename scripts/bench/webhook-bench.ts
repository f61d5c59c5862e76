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
 * - `start`: production start to /health answering, idle RSS 5 s after the start (install and
 *   greetings done) and again after BENCH_SETTLE_SECONDS (45), once V8 has shrunk the heap it
 *   grew while starting (its memory reducer runs after some seconds of low allocation).
 * PostgreSQL runs use a temp database on TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) and are skipped when it does not answer.
 * BENCH_ONLY=sweep,photos,health,start picks parts; BENCH_RATES and BENCH_STEP_SECONDS shape the sweep.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import { drive, quantiles, startFloor, sweep, STEP_SECONDS } from './load.ts';
import { cpuSeconds, deliveries, ensureBuilt, freePort, health, inboxEmpty, loadAverage1m, photoBytes, postgresDatabase, root, rssMb, setMyAvatar, startBots, until, runBench } from './bot-processes.ts';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PHOTO_EVERY_MS = Number(process.env.BENCH_PHOTO_EVERY_MS ?? 2000);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 45);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sweep,photos,health,start').split(','));
const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'webhook', ...o }));

async function sweepBots(name: string, databaseUrl: string, instances: number): Promise<void> {
  const b = await startBots(databaseUrl, instances);
  try {
    const result = await sweep(async (rate) => {
      const cpu0 = b.pids.map(cpuSeconds);
      const t0 = performance.now();
      const r = await drive(b.urls.map((u) => `${u}/webhook`), { 'Verification-Token': b.token }, rate, STEP_SECONDS, deliveries(b, rate, `${name}-${rate}`));
      const wall = (performance.now() - t0) / 1000;
      const cpuShare = b.pids.map((pid, i) => Math.round(((cpuSeconds(pid) - cpu0[i]!) / wall) * 100) / 100);
      const loops = await Promise.all(b.urls.map(async (u) => (await health(u)).eventLoopDelay?.lastWindow));
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
    // The photographer signs in once (approving the link), then the bot starts again: every photo
    // under the load is then downloaded, made square and set, the first one on a fresh process.
    const signIn = await setMyAvatar(b.control, b.photoDm.id, b.photographer.id, b.botId, photo, 120_000);
    if (signIn.outcome !== 'set') throw new Error(`photos: the sign-in photo was not set: ${signIn.outcome}`);
    await b.restartBot(0);
    const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
    const before = (await b.control.posts(b.photoDm.id)).length;
    let photosSent = 0;
    const send = () => {
      photosSent++;
      void b.control.post(b.photoDm.id, { creatorId: b.photographer.id, text: 'set my photo', attachments: attach }).catch(() => undefined);
    };
    send(); // the first photo after the start
    const timer = setInterval(send, PHOTO_EVERY_MS);
    const r = await drive(b.urls.map((u) => `${u}/webhook`), { 'Verification-Token': b.token }, RATE, SECONDS, deliveries(b, RATE, 'photos'));
    clearInterval(timer);
    const h = await health(b.urls[0]!);
    const q = quantiles(r.latencies);
    await inboxEmpty(b);
    // Each photo set is answered with a card; anything else from the bot is an error reply.
    const replies = (await b.control.posts(b.photoDm.id)).slice(before).filter((p) => p.creatorId === b.botId);
    const photosSet = replies.filter((p) => p.card).length;
    const otherReplies = replies.filter((p) => !p.card && !p.attachments?.length).map((p) => p.text?.slice(0, 120));
    line({ measure: 'photos', rate: RATE, seconds: SECONDS, deliveries: r.latencies.length, errors: r.errors, p50Ms: q.p50, p99Ms: q.p99, maxMs: q.max, p99Under20Ms: q.p99 < 20, slowest: r.slowest, photo: photo.name, inputBytes: photo.bytes.length, photosSent, photosSet, ...(otherReplies.length ? { otherReplies } : {}), mainThread: h.eventLoopDelay?.lastWindow });
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
    const idleRssMb = rssMb(b.pids[0]!);
    await new Promise((r) => setTimeout(r, (SETTLE_SECONDS - 5) * 1000));
    line({ measure: 'start', command: 'node dist/main.js', startToHealthMs: b.startMs, idleRssMb, settledIdleRssMb: rssMb(b.pids[0]!), settleSeconds: SETTLE_SECONDS });
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
  await ensureBuilt();
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
    line({ measure: 'machine', cpus: os.cpus().length, loadAverage1m: loadAverage1m() });
  } finally {
    for (const d of pgDbs) await d.drop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
