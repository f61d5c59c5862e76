/**
 * Item 9 of the console issue: in demo mode the emulator shares the bot's process, and its
 * profile-image work (decode, three resizes, encode) runs on a worker thread. While photos are
 * set back to back, the bot's event-loop delay reported by `/health` stays under 50 ms.
 * No browser needed: the uploads go through the emulator's REST API as the admin.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoProcess, type RunningDemoProcess } from './console-browser.ts';

const IMAGES = path.resolve(import.meta.dirname, '../../../shared/images');
let demo: RunningDemoProcess | undefined;
afterAll(async () => {
  await demo?.stop();
});

interface LoopWindow {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function lastWindow(botUrl: string): Promise<LoopWindow | undefined> {
  const health = (await (await fetch(`${botUrl}/health`)).json()) as { eventLoopDelay?: { lastWindow?: LoopWindow } };
  return health.eventLoopDelay?.lastWindow;
}

/** Highest idle delay at which a 50 ms bound under load still means something. */
const IDLE_LIMIT_MS = 25;

/** Waits for the window after the one `seen` (JSON of lastWindow) and returns it. */
async function nextWindow(botUrl: string, seen: string): Promise<LoopWindow> {
  for (const until = Date.now() + 15_000; Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await lastWindow(botUrl);
    if (now && JSON.stringify(now) !== seen) return now;
  }
  throw new Error('no new /health event-loop window within 15 s');
}

describe('demo mode: the emulator\'s image work is off the bot\'s event loop', () => {
  it('keeps the bot\'s event-loop delay under 50 ms for a whole /health window of photo uploads', async (ctx) => {
    demo = await startDemoProcess();
    const { emulatorUrl, botUrl } = demo;
    // A machine too busy to keep an idle bot under 50 ms can't show what the worker thread does.
    // (The first window holds the start-up: compiling, seeding, the install.)
    const startup = await nextWindow(botUrl, JSON.stringify(await lastWindow(botUrl)));
    const idle = await nextWindow(botUrl, JSON.stringify(startup));
    if (idle.maxMs >= IDLE_LIMIT_MS) {
      console.log(`skipped: this machine is too busy to measure (idle bot's event-loop delay already ${idle.maxMs} ms over 10 s)`);
      ctx.skip();
    }
    const view = (await (await fetch(`${emulatorUrl}/_emulator/state`)).json()) as { adminJwt: string; app: { clientId: string; clientSecret: string }; users: { id: string }[] };
    const tokenRes = await fetch(`${emulatorUrl}/restapi/oauth/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: view.adminJwt }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    // 1800×1200 JPEGs: inline, jimp needs well over 50 ms of one thread for each.
    const photos = ['exif-orient-1-landscape.jpg', 'exif-orient-6-landscape.jpg', 'exif-orient-1-portrait.jpg'].map((f) => fs.readFileSync(path.join(IMAGES, f)));
    let uploads = 0;
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const form = new FormData();
        form.set('image', new Blob([photos[i % photos.length]!], { type: 'image/jpeg' }), 'photo.jpg');
        const person = view.users[i % view.users.length]!.id;
        const res = await fetch(`${emulatorUrl}/restapi/v1.0/account/~/extension/${person}/profile-image`, { method: 'PUT', headers: { Authorization: `Bearer ${token}` }, body: form });
        expect(res.status).toBe(204);
        uploads++;
      }
    })();
    try {
      // The window being measured when the load started ends first; the next one is all load.
      const partial = await nextWindow(botUrl, JSON.stringify(await lastWindow(botUrl)));
      const before = uploads;
      const measured = await nextWindow(botUrl, JSON.stringify(partial));
      const inWindow = uploads - before;
      console.log(`bot event-loop delay over one 10 s window with ${inWindow} profile images set (idle: ${JSON.stringify(idle)}): ${JSON.stringify(measured)}`);
      expect(inWindow).toBeGreaterThanOrEqual(1);
      expect(measured.maxMs).toBeLessThan(50);
    } finally {
      loading = false;
      await load;
    }
  }, 120_000);
});
