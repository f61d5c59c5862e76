/**
 * Emulator benchmark: seeds 100,000 extensions (60 % with photos) and lists them all through
 * the real HTTP API — 100 pages of 1000 — with rate limits off. Prints one JSON line per
 * measurement: `{"bench":"emulator","measure":"seed"|"list",...,"ms":…,"heapUsedMB":…,"rssMB":…}`.
 * Run with `npm run bench -- emulator` (or `tsx scripts/bench/emulator-bench.ts`).
 */
import { createEmulator } from '../../src/emulator/create-emulator.ts';

const USERS = 100_000;
const PER_PAGE = 1000;

function memory(): { heapUsedMB: number; rssMB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapUsedMB: Math.round(m.heapUsed / 1e5) / 10, rssMB: Math.round(m.rss / 1e5) / 10 };
}

const base = memory();
let t = performance.now();
const emu = await createEmulator({ port: 0, rateLimits: false, seed: { users: USERS, withPhotoRatio: 0.6 } });
console.log(JSON.stringify({ bench: 'emulator', measure: 'seed', users: USERS, ms: Math.round(performance.now() - t), ...memory(), baseHeapUsedMB: base.heapUsedMB }));

try {
  const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { app: { clientId: string; clientSecret: string }; adminJwt: string };
  const tokenRes = await fetch(`${emu.url}/restapi/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${state.app.clientId}:${state.app.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: state.adminJwt }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  t = performance.now();
  let records = 0;
  let pages = 0;
  let bytes = 0;
  let next: string | undefined = `${emu.url}/restapi/v1.0/account/~/extension?perPage=${PER_PAGE}&page=1`;
  while (next) {
    const r = await fetch(next, { headers: { Authorization: `Bearer ${access_token}` } });
    if (r.status !== 200) throw new Error(`page ${pages + 1}: HTTP ${r.status}`);
    const text = await r.text();
    bytes += text.length;
    const page = JSON.parse(text) as { records: unknown[]; navigation: { nextPage?: { uri: string } } };
    records += page.records.length;
    pages += 1;
    next = page.navigation.nextPage?.uri;
  }
  const ms = Math.round(performance.now() - t);
  if (records !== USERS) throw new Error(`listed ${records} extensions, expected ${USERS}`);
  console.log(JSON.stringify({ bench: 'emulator', measure: 'list', pages, perPage: PER_PAGE, records, responseMB: Math.round(bytes / 1e5) / 10, ms, msPerPage: Math.round((ms / pages) * 10) / 10, ...memory() }));
} finally {
  await emu.close();
}
