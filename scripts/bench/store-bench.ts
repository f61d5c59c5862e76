/**
 * `npm run bench -- store`: the inbox on SQLite (a temp file) and PostgreSQL (temp databases on
 * TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; skipped with a line on
 * stderr when unreachable). Prints one JSON line per measurement. Two parts
 * (STORE_BENCH_ONLY=direct,webhook picks):
 * - `direct`: on the store itself, accepts per second (sequential, each committed, as the
 *   webhook does), then claim + done per second with 1 and 4 concurrent workers over the same
 *   rows; STORE_BENCH_EVENTS sets the count (default 2000).
 * - `webhook`: real bot processes (`node dist/main.js`, production settings, WebHook delivery,
 *   the emulator beside them; bot-processes.ts) get STORE_BENCH_RATE (200) deliveries/s
 *   open-loop for STORE_BENCH_SECONDS (10), after a 2 s warm-up: the webhook's answer p50/p99
 *   and the accepted deliveries per second (200 answers over the time to the last answer); then
 *   the most accepted per second, closed-loop (32 senders, each waiting for its answer, for half
 *   that time). On SQLite with one instance and PostgreSQL with one and three (round-robin).
 *   Several instances on one SQLite file is not a supported deployment: that row says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { drive, quantiles, saturate } from './load.ts';
import { deliveries, ensureBuilt, health, inboxEmpty, loadAverage1m, postgresDatabase, startBots, runBench } from './bot-processes.ts';

const EVENTS = Number(process.env.STORE_BENCH_EVENTS ?? 2000);
const RATE = Number(process.env.STORE_BENCH_RATE ?? 200);
const SECONDS = Number(process.env.STORE_BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;
/** Senders of the closed-loop part, each waiting for its answer before the next delivery. */
const SENDERS = 32;
const TARGET_P99_MS = 20;
const ONLY = new Set((process.env.STORE_BENCH_ONLY ?? 'direct,webhook').split(','));
const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'store', ...o }));

function payload(i: number) {
  return {
    uuid: `u${i}`,
    event: '/team-messaging/v1/posts',
    timestamp: new Date().toISOString(),
    subscriptionId: 'bench',
    body: { id: String(1e9 + i), groupId: String(i % 50), creatorId: String(i % 200), eventType: 'PostAdded', text: 'help' },
  };
}

/** Accepts, then claim + done with 1 and 4 workers, directly on the store at `url`. */
async function direct(database: string, url: string): Promise<void> {
  const store = await openStore(url, { instanceId: 'bench' });
  try {
    let t = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      await store.inbox.accept({ uuid: `u${i}`, source: 'webhook', payload: payload(i), identityKey: `post:PostAdded:${1e9 + i}`, fairKey: `${i % 50}:${i % 200}` }, Date.now());
    }
    let s = (performance.now() - t) / 1000;
    line({ database, op: 'accept', events: EVENTS, seconds: +s.toFixed(3), perSecond: Math.round(EVENTS / s) });

    const half = Math.floor(EVENTS / 2);
    for (const workers of [1, 4]) {
      const goal = workers === 1 ? half : EVENTS - half;
      let done = 0;
      t = performance.now();
      const worker = async (s: Store) => {
        while (done < goal) {
          const e = await s.inbox.claimNext(Date.now(), 'light');
          if (!e) break;
          done++;
          await s.inbox.markDone(e.uuid, Date.now());
        }
      };
      await Promise.all(Array.from({ length: workers }, () => worker(store)));
      s = (performance.now() - t) / 1000;
      line({ database, op: 'claim+done', workers, events: done, seconds: +s.toFixed(3), perSecond: Math.round(done / s) });
    }
  } finally {
    await store.close();
  }
}

/** RATE deliveries/s for SECONDS to `instances` bots on `url`: answer p50/p99, accepted/s. */
async function webhook(database: string, url: string, instances: number): Promise<void> {
  const b = await startBots(url, instances);
  try {
    const targets = b.urls.map((u) => `${u}/webhook`);
    const headers = { 'Verification-Token': b.token };
    await drive(targets, headers, RATE, WARM_UP_SECONDS, deliveries(b, RATE, 'warm-up'));
    await inboxEmpty(b);
    const loadBefore = loadAverage1m();
    const t0 = performance.now();
    const r = await drive(targets, headers, RATE, SECONDS, deliveries(b, RATE, 'measured'));
    const toLastAnswer = (performance.now() - t0) / 1000;
    const loops = await Promise.all(b.urls.map(async (u) => (await health(u)).eventLoopDelay?.lastWindow?.p99Ms));
    await inboxEmpty(b);
    const most = await saturate(targets, headers, SENDERS, SECONDS / 2, deliveries(b, RATE, 'closed-loop'));
    await inboxEmpty(b);
    const q = quantiles(r.latencies);
    const accepted = r.statuses['200'] ?? 0;
    line({
      database,
      op: 'webhook',
      instances,
      rate: RATE,
      seconds: SECONDS,
      deliveries: r.latencies.length,
      accepted,
      errors: r.errors,
      ...(r.errors > 0 ? { statuses: r.statuses } : {}),
      acceptedPerSecond: Math.round(accepted / toLastAnswer),
      mostAcceptedPerSecond: { acceptedPerSecond: most.acceptedPerSecond, errors: most.errors, ...(most.errors > 0 ? { statuses: most.statuses } : {}), senders: SENDERS, seconds: SECONDS / 2 },
      p50Ms: q.p50,
      p99Ms: q.p99,
      maxMs: q.max,
      [`p99Under${TARGET_P99_MS}Ms`]: q.p99 < TARGET_P99_MS && r.errors === 0,
      botLoopP99Ms: loops,
      loadAverage1m: [loadBefore, loadAverage1m()],
    });
  } finally {
    b.close();
  }
}

async function main(): Promise<void> {
  if (ONLY.has('webhook')) await ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  const dropped: Array<() => Promise<void>> = [];
  try {
    if (ONLY.has('direct')) await direct('sqlite', `file:${path.join(dir, 'direct.sqlite')}`);
    if (ONLY.has('webhook')) {
      await webhook('sqlite', `file:${path.join(dir, 'webhook.sqlite')}`, 1);
      line({ database: 'sqlite', op: 'webhook', instances: 3, skipped: 'several instances on one SQLite file is not a supported deployment (SQLite is for one instance; several need PostgreSQL, docs/settings.md DATABASE_URL)' });
    }
    const onPostgres: Array<(url: string) => Promise<void>> = [];
    if (ONLY.has('direct')) onPostgres.push((u) => direct('postgres', u));
    if (ONLY.has('webhook')) onPostgres.push((u) => webhook('postgres', u, 1), (u) => webhook('postgres', u, 3));
    for (const run of onPostgres) {
      const d = await postgresDatabase();
      if (!d) break;
      dropped.push(d.drop);
      await run(d.url);
    }
  } finally {
    for (const drop of dropped) await drop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
