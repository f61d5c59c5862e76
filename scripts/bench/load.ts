/**
 * Load helpers for webhook-bench.ts and store-bench.ts: an open-loop driver over keep-alive HTTP
 * (requests go out on schedule whether or not earlier ones answered, so queueing shows in the
 * latencies), a closed-loop one that finds the most accepted per second, a rate
 * sweep that finds the highest rate with p99 under a bound, and the two floors the bot is
 * compared with (a bare koa app, and koa doing one INSERT per request), run as their own
 * processes in plain JavaScript.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** p50/p90/p99/max of `values`, ms rounded to 0.01. */
export function quantiles(values: number[]): Quantiles {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** One POST; resolves its status. */
function post(url: URL, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * Sends `rate` POSTs a second for `seconds` to `targets` (round-robin), bodies from `body(i)`.
 * Resolves the latencies (ms, from when each request was due), the count of non-200 answers and
 * the five slowest answers.
 */
export async function drive(targets: string[], headers: Record<string, string>, rate: number, seconds: number, body: (i: number) => string): Promise<{ latencies: number[]; errors: number; statuses: Record<string, number>; slowest: Array<{ dueAtMs: number; ms: number }> }> {
  const urls = targets.map((t) => new URL(t));
  const timed: Array<{ dueAtMs: number; ms: number }> = [];
  let errors = 0;
  const statuses: Record<string, number> = {};
  const pending: Array<Promise<void>> = [];
  const startedAt = performance.now();
  const end = startedAt + seconds * 1000;
  let sent = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * rate);
    while (sent < due) {
      const i = sent++;
      // Timed from when the request was due, not when the timer got round to sending it: a late
      // generator must not hide waiting (coordinated omission).
      const t0 = startedAt + ((i + 1) / rate) * 1000;
      pending.push(
        post(urls[i % urls.length]!, headers, body(i)).then((status) => {
          timed.push({ dueAtMs: Math.round(t0 - startedAt), ms: performance.now() - t0 });
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) errors++;
        }),
      );
    }
    // A 1 ms timer, not setImmediate: a spinning generator took a whole core of the two from
    // the app it measures. Requests due in the same millisecond leave together.
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  // The five slowest answers and when they were due (ms after the start): where a tail comes from.
  const latencies = timed.map((t) => t.ms);
  const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, 5).map((t) => ({ dueAtMs: t.dueAtMs, ms: Math.round(t.ms * 10) / 10 }));
  return { latencies, errors, statuses, slowest };
}

/**
 * Closed loop: `concurrency` senders each POST to `targets` (round-robin) as soon as their last
 * answer came, for `seconds`. Resolves the 200 answers per second, the count of others and
 * every status's count (0: no answer).
 */
export async function saturate(targets: string[], headers: Record<string, string>, concurrency: number, seconds: number, body: (i: number) => string): Promise<{ acceptedPerSecond: number; errors: number; statuses: Record<string, number> }> {
  const urls = targets.map((t) => new URL(t));
  const startedAt = performance.now();
  const end = startedAt + seconds * 1000;
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const sender = async () => {
    while (performance.now() < end) {
      const i = sent++;
      const status = await post(urls[i % urls.length]!, headers, body(i));
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) accepted++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return { acceptedPerSecond: Math.round(accepted / ((performance.now() - startedAt) / 1000)), errors, statuses };
}

/** Rates tried by a sweep, deliveries/s (BENCH_RATES, comma-separated). */
export const SWEEP_RATES = (process.env.BENCH_RATES ?? '500,1000,1500,2000,2500,3000').split(',').map(Number);
/** Seconds per sweep step (BENCH_STEP_SECONDS). */
export const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 4);

/**
 * Runs `step(rate)` for each rate in SWEEP_RATES until p99 reaches `boundMs` (or errors appear);
 * resolves every step and the highest rate that stayed under the bound (0 when none did). A
 * first step at 200/s warms the app up (JIT, connection pools) and is not counted, as a
 * deployed bot is past its first seconds.
 */
export async function sweep(step: (rate: number) => Promise<{ latencies: number[]; errors: number; statuses?: Record<string, number>; extra?: Record<string, unknown> }>, boundMs = 20) {
  const steps: Array<{ rate: number; p50Ms: number; p99Ms: number; maxMs: number; errors: number } & Record<string, unknown>> = [];
  let best = 0;
  await step(200);
  for (const rate of SWEEP_RATES) {
    const r = await step(rate);
    const q = quantiles(r.latencies);
    steps.push({ rate, p50Ms: q.p50, p99Ms: q.p99, maxMs: q.max, errors: r.errors, ...(r.errors > 0 && 'statuses' in r ? { statuses: r.statuses } : {}), ...(r.extra ?? {}) });
    if (q.p99 >= boundMs || r.errors > 0) break;
    best = rate;
  }
  return { best, steps };
}

// The floors, plain JavaScript run with `node -e` (koa, better-sqlite3 and pg are the bot's own dependencies).
const FLOOR_SOURCE = `
const Koa = require('koa');
const kind = process.env.FLOOR_KIND;
const app = new Koa();
let insert = async () => {};
if (kind === 'sqlite') {
  const Database = require('better-sqlite3');
  const db = new Database(process.env.FLOOR_FILE);
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (uuid TEXT PRIMARY KEY, payload TEXT NOT NULL)');
  const st = db.prepare('INSERT OR IGNORE INTO t VALUES (?, ?)');
  insert = async (b) => { st.run(b.uuid, JSON.stringify(b)); };
}
app.use(async (ctx) => {
  const chunks = []; for await (const c of ctx.req) chunks.push(c);
  const b = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  await insert(b);
  ctx.status = 200; ctx.body = '';
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

/** Starts a floor app (`bare` koa, or koa + one SQLite INSERT per request into `file`) on `port`. */
export function startFloor(kind: 'bare' | 'sqlite', port: number, cwd: string, file?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', FLOOR_SOURCE], { cwd, env: { PATH: process.env.PATH, FLOOR_KIND: kind, FLOOR_FILE: file, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`floor ${kind} exited ${code}`)));
  });
}
