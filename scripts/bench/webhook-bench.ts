/**
 * Webhook answer latency under load. Three processes on loopback: the emulator
 * (`scripts/emulator.ts`), the bot (`src/main.ts`, what `npm start` runs, WebHook delivery) and
 * this load generator. The bot receives BENCH_RATE deliveries per second for BENCH_SECONDS
 * seconds (group chatter it must ignore, plus a "help" every BENCH_HELP_EVERY_MS), while a person
 * keeps sending photos (every BENCH_PHOTO_EVERY_MS: download, avatar worker pool, reply).
 *
 * Prints JSON lines: answer latency of `POST /webhook` (p50/p90/p99/max, ms, as seen by the
 * client), the bot's event-loop delay (p50/p99/max, ms, from its /health), photos handled, and
 * the time to drain the inbox afterwards (replies are paced by RingCentral's usage plan limits,
 * which the emulator enforces).
 *
 * Settings (environment): BENCH_RATE (200), BENCH_SECONDS (20), BENCH_PHOTO_EVERY_MS (2000),
 * BENCH_HELP_EVERY_MS (4000), BENCH_PHOTO (a JPEG path; default
 * ../shared/images/large-jpeg-6000x6000-36MP.jpg when present, else a generated 3000x2000 JPEG).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Jimp } from 'jimp';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PHOTO_EVERY_MS = Number(process.env.BENCH_PHOTO_EVERY_MS ?? 2000);
const HELP_EVERY_MS = Number(process.env.BENCH_HELP_EVERY_MS ?? 4000);
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function quantiles(values: number[]): { p50: number; p90: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0) };
}

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

function start(args: string[], env: Record<string, string | undefined>, ready?: RegExp): Promise<ChildProcess> {
  const child = spawn(tsx, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-bench-'));
  const children: ChildProcess[] = [];
  try {
    const emulatorPort = await freePort();
    const botPort = await freePort();
    const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    children.push(await start(['scripts/emulator.ts'], { ...baseEnv, EMULATOR_PORT: String(emulatorPort), EMULATOR_USERS: '6' }, /listening on/));
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const control = createEmulatorControl(emulatorUrl);
    const seeded = await control.state();
    const botUrl = `http://127.0.0.1:${botPort}`;
    const verificationToken = crypto.randomBytes(24).toString('base64url');
    children.push(
      await start(
        ['src/main.ts'],
        {
          ...baseEnv,
          NODE_ENV: 'production',
          RINGCENTRAL_SERVER_URL: emulatorUrl,
          RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
          RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
          TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
          WEBHOOK_VERIFICATION_TOKEN: verificationToken,
          PUBLIC_URL: botUrl,
          PORT: String(botPort),
          HOST: '127.0.0.1',
          DATABASE_URL: `file:${path.join(dir, 'bot.sqlite')}`,
          LOG_LEVEL: 'warn',
        },
      ),
    );
    await until(async () => (await fetch(`${botUrl}/health`)).ok, 20_000, 'the bot');
    const install = await control.installBot({ redirectUri: `${botUrl}/oauth` });
    const botId = install.bot.extensionId;
    const health = async () => (await (await fetch(`${botUrl}/health`)).json()) as Record<string, any>;
    await until(async () => (await health()).eventDelivery?.state === 'active', 20_000, 'an active subscription');
    const [admin, talker, photographer] = [seeded.users.find((u) => u.admin)!, ...seeded.users.filter((u) => !u.admin)];
    const group = await control.addChat({ type: 'Group', name: 'Chatter', members: [admin.id, talker!.id, botId] });
    const helpDm = await control.addChat({ type: 'Direct', members: [talker!.id, botId] });
    const photoDm = await control.addChat({ type: 'Direct', members: [photographer!.id, botId] });
    for (const c of [group, helpDm, photoDm]) await until(async () => (await control.posts(c.id)).some((p) => p.creatorId === botId), 20_000, 'the greetings');

    const photo = await photoBytes();
    const attach = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
    const latencies: number[] = [];
    let errors = 0;
    let photosSent = 0;
    let helpsSent = 0;
    const pending = new Set<Promise<void>>();
    const startedAt = performance.now();
    const end = startedAt + SECONDS * 1000;
    let sent = 0;
    const photoTimer = setInterval(() => {
      photosSent++;
      void control.post(photoDm.id, { creatorId: photographer!.id, text: 'set my photo', attachments: attach }).catch(() => errors++);
    }, PHOTO_EVERY_MS);
    let nextHelpAt = startedAt + HELP_EVERY_MS;

    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * RATE);
      while (sent < due) {
        sent++;
        const help = performance.now() >= nextHelpAt;
        if (help) {
          nextHelpAt += HELP_EVERY_MS;
          helpsSent++;
        }
        const body = JSON.stringify({
          uuid: crypto.randomUUID(),
          event: '/team-messaging/v1/posts',
          timestamp: new Date().toISOString(),
          subscriptionId: 'bench',
          ownerId: botId,
          body: {
            id: `bench-${sent}`,
            groupId: help ? helpDm.id : group.id,
            type: 'TextMessage',
            text: help ? 'help' : `lunch at noon? #${sent}`,
            creatorId: help ? talker!.id : admin.id,
            mentions: null,
            attachments: null,
            eventType: 'PostAdded',
          },
        });
        const t0 = performance.now();
        const p: Promise<void> = fetch(`${botUrl}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Verification-Token': verificationToken },
          body,
        })
          .then(async (res) => {
            await res.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (res.status !== 200) errors++;
          })
          .catch(() => {
            errors++;
          })
          .finally(() => pending.delete(p));
        pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    clearInterval(photoTimer);
    await Promise.all([...pending]);
    const atEnd = await health();
    const drainStart = performance.now();
    await until(async () => {
      const h = await health();
      return h.inbox.pending === 0 && h.inbox.processing === 0;
    }, 300_000, 'an empty inbox');
    const drainMs = Math.round(performance.now() - drainStart);
    const final = await health();
    const photoReplies = (await control.posts(photoDm.id)).filter((p) => p.creatorId === botId && /sign in/i.test(p.text ?? '')).length;

    const lat = quantiles(latencies);
    console.log(JSON.stringify({ bench: 'webhook', measure: 'answer-latency', rate: RATE, seconds: SECONDS, deliveries: latencies.length, errors, p50Ms: lat.p50, p90Ms: lat.p90, p99Ms: lat.p99, maxMs: lat.max }));
    console.log(JSON.stringify({ bench: 'webhook', measure: 'event-loop-delay', process: 'bot', windowMs: atEnd.eventLoopDelay.windowMs, ...atEnd.eventLoopDelay.lastWindow }));
    console.log(JSON.stringify({ bench: 'webhook', measure: 'photos', photo: photo.name, inputBytes: photo.bytes.length, sent: photosSent, answered: photoReplies, helps: helpsSent }));
    console.log(JSON.stringify({ bench: 'webhook', measure: 'drain', ms: drainMs, inboxAtEnd: atEnd.inbox, inbox: final.inbox }));
    console.log(JSON.stringify({ bench: 'webhook', measure: 'machine', cpus: os.cpus().length, loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100 }));
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM');
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
