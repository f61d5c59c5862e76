/**
 * Audit benchmark: one JSON line per measurement on stdout.
 *
 *   {"bench":"audit","variant":"paged","source":"…","extensions":10000,"withoutPhoto":…,
 *    "apiCalls":10,"http429":0,"wallMs":…,"peakRssBytes":…,"maxRssBytes":…}
 *
 * `benchAudit` runs our audit (one list call per 1000 extensions) through any
 * `listExtensionsPage`; `benchNaiveAudit` runs the one-request-per-person audit for
 * comparison (list the ids, then one profile-image request each).
 *
 * `main` runs both against the emulator with rate limits on, time-scaled
 * (`state.settings.timeScale`, so a 60 s RingCentral window lasts 60 s × timeScale): for
 * 10,000 and 100,000 seeded extensions (60% with a photo) our audit through the bot's platform
 * client (paced by usage plan group, 429s waited out), and on the 10,000 account the naive
 * audit of a 1,000-person sample (`GET …/extension/{id}/profile-image/90x90` each: 200 → photo,
 * 404 → none). The emulator runs in a child process, so `peakRssBytes` is the audit's process
 * alone. `http429` counts 429 answers in `GET /_emulator/requests`. Lines carry `timeScale`;
 * real-time wall time is about `wallMs / timeScale` where the run waited on rate windows.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createEmulator } from '../../src/emulator/create-emulator.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import type { RingCentralPlatform, UserTokens } from '../../src/platform/ringcentral-client.ts';
import { createLogger } from '../../src/logger.ts';
import { runAudit } from '../../src/audit/run-audit.ts';
import type { AuditFilter, ExtensionRecord, ListExtensionsPage } from '../../src/audit/audit-types.ts';

export interface BenchAuditOptions {
  /** Where the pages come from, e.g. `emulator` or `in-memory`. */
  source?: string;
  filter?: AuditFilter;
  /** Number of 429 answers seen so far (e.g. counted from `GET /_emulator/requests`). */
  rateLimitHits?: () => number | Promise<number>;
  /** Copied into the line (emulator rate-window scale). */
  timeScale?: number;
}

/** One measurement line. Times in ms, memory in bytes. */
export interface BenchLine {
  bench: 'audit';
  variant: 'paged' | 'naive';
  source: string;
  extensions: number;
  withoutPhoto: number;
  apiCalls: number;
  http429: number | null;
  wallMs: number;
  /** Highest RSS sampled every 20 ms during the run. */
  peakRssBytes: number;
  /** Highest RSS of the whole process so far (`process.resourceUsage().maxRSS`). */
  maxRssBytes: number;
  /** Emulator rate-window scale, when measured against the emulator. */
  timeScale?: number;
}

async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; peakRssBytes: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, wallMs: Math.round(performance.now() - t0), peakRssBytes: peak };
  } finally {
    clearInterval(sampler);
  }
}

function emit(line: BenchLine): BenchLine {
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return line;
}

/**
 * Run our paged audit once through `listExtensionsPage` and print one JSON line.
 * Out: the line printed. Throws what the audit throws.
 */
export async function benchAudit(listExtensionsPage: ListExtensionsPage, options: BenchAuditOptions = {}): Promise<BenchLine> {
  const before = options.rateLimitHits ? await options.rateLimitHits() : undefined;
  const { value: report, wallMs, peakRssBytes } = await measure(() =>
    runAudit({ listExtensionsPage, ...(options.filter ? { filter: options.filter } : {}) }),
  );
  const after = options.rateLimitHits ? await options.rateLimitHits() : undefined;
  return emit({
    bench: 'audit',
    variant: 'paged',
    source: options.source ?? 'unspecified',
    extensions: report.totals.extensions,
    withoutPhoto: report.totals.withoutPhoto,
    apiCalls: report.apiCalls,
    http429: before !== undefined && after !== undefined ? after - before : null,
    wallMs,
    peakRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
}

/**
 * The naive audit for comparison: page through the list (ids only), then one request per
 * person via `hasPhotoByRequest`, for at most `sampleSize` people (default 1000). Prints one
 * JSON line; `apiCalls` counts list pages plus per-person requests.
 */
export async function benchNaiveAudit(
  listExtensionsPage: ListExtensionsPage,
  hasPhotoByRequest: (extensionId: string) => Promise<boolean>,
  options: BenchAuditOptions & { sampleSize?: number; perPage?: number } = {},
): Promise<BenchLine> {
  const sampleSize = options.sampleSize ?? 1000;
  const filter = options.filter ?? { types: ['User'], statuses: ['Enabled'] };
  const before = options.rateLimitHits ? await options.rateLimitHits() : undefined;
  const { value, wallMs, peakRssBytes } = await measure(async () => {
    let apiCalls = 0;
    const ids: string[] = [];
    for (let page = 1; ids.length < sampleSize; page++) {
      apiCalls++;
      const result = await listExtensionsPage({ page, perPage: options.perPage ?? 100, type: filter.types, status: filter.statuses });
      for (const record of result.records) if (ids.length < sampleSize) ids.push(String(record.id));
      if (!result.navigation?.nextPage || result.records.length === 0) break;
    }
    let withoutPhoto = 0;
    for (const id of ids) {
      apiCalls++;
      if (!(await hasPhotoByRequest(id))) withoutPhoto++;
    }
    return { apiCalls, extensions: ids.length, withoutPhoto };
  });
  const after = options.rateLimitHits ? await options.rateLimitHits() : undefined;
  return emit({
    bench: 'audit',
    variant: 'naive',
    source: options.source ?? 'unspecified',
    extensions: value.extensions,
    withoutPhoto: value.withoutPhoto,
    apiCalls: value.apiCalls,
    http429: before !== undefined && after !== undefined ? after - before : null,
    wallMs,
    peakRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
}

/** In-memory pages shaped like the extension list, generated on the fly (no HTTP). */
function inMemoryListExtensionsPage(total: number, withPhotoRatio: number): ListExtensionsPage {
  return async ({ page, perPage }) => {
    const start = (page - 1) * perPage;
    const end = Math.min(total, start + perPage);
    const records: ExtensionRecord[] = [];
    for (let i = start; i < end; i++) {
      const id = 100_000_000 + i;
      const media = `https://media.example.test/restapi/v1.0/account/1/extension/${id}/profile-image`;
      const hasPhoto = (i * 7919) % 1000 < withPhotoRatio * 1000;
      records.push({
        id,
        uri: `https://platform.example.test/restapi/v1.0/account/1/extension/${id}`,
        extensionNumber: String(1000 + i),
        name: `Person ${i}`,
        contact: { firstName: 'Person', lastName: String(i), email: `person.${i}@example.test`, department: `Dept ${i % 40}` },
        type: 'User',
        status: 'Enabled',
        profileImage: hasPhoto
          ? { uri: media, etag: `e${id}`, contentType: 'image/jpeg', lastModified: '2026-01-01T00:00:00Z', scales: [{ uri: `${media}/90x90` }] }
          : { uri: media },
      });
    }
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    return {
      records,
      paging: { page, perPage, totalPages, totalElements: total },
      navigation: page < totalPages ? { nextPage: { uri: `?page=${page + 1}` } } : {},
    };
  };
}

/** Rate windows last this share of RingCentral's 60 s in the emulator during the bench. */
const TIME_SCALE = 0.02;
const SIZES = [10_000, 100_000];
const NAIVE_SAMPLE = 1_000;

interface EmulatorProcess {
  url: string;
  close(): Promise<void>;
}

/** Starts the emulator in a child process (this file with `--emulator-child`); resolves its URL. */
async function startEmulatorProcess(users: number, timeScale: number): Promise<EmulatorProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--emulator-child', String(users), String(timeScale)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function emulatorChild(users: number, timeScale: number): Promise<void> {
  const emu = await createEmulator({ port: 0, rateLimits: true, timeScale, seed: { users, withPhotoRatio: 0.6 } });
  process.send?.({ url: emu.url });
  const stop = () => void emu.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

/**
 * The bot's platform client against the emulator, with a real bot token: the emulator's
 * private-bot install (`POST /_emulator/bots/install`) POSTs the token to a throwaway local
 * `/oauth` and also answers it. (The platform refuses a person's token as the bot's.)
 */
async function platformFor(url: string): Promise<RingCentralPlatform> {
  const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { app: { clientId: string; clientSecret: string } };
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  let accessToken: string;
  try {
    const redirectUri = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/oauth`;
    const installRes = await fetch(`${url}/_emulator/bots/install`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirectUri }),
    });
    const install = (await installRes.json()) as { sent?: { access_token?: string }; status?: number; error?: string };
    if (!install.sent?.access_token) throw new Error(`bot install failed: ${installRes.status} ${JSON.stringify(install)}`);
    accessToken = install.sent.access_token;
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
  const vault = new Map<string, UserTokens>();
  const platform = createRingCentralPlatform({
    serverUrl: url,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    logger: createLogger({ level: 'silent' }),
    vault: { load: async (id) => vault.get(id), save: async (id, t) => void vault.set(id, t), remove: async (id) => void vault.delete(id) },
  });
  await platform.installBotToken(accessToken);
  return platform;
}

function pagesOf(platform: RingCentralPlatform): ListExtensionsPage {
  const bot = platform.bot();
  return async (params) => {
    const page = await bot.listExtensions(params);
    return { records: page.records ?? [], ...(page.paging ? { paging: page.paging } : {}), ...(page.navigation ? { navigation: page.navigation } : {}) };
  };
}

function http429Counter(url: string): () => Promise<number> {
  return async () => {
    const requests = (await (await fetch(`${url}/_emulator/requests`)).json()) as Array<{ status: number }>;
    return requests.filter((r) => r.status === 429).length;
  };
}

async function main(): Promise<void> {
  for (const n of SIZES) {
    const emulator = await startEmulatorProcess(n, TIME_SCALE);
    try {
      const platform = await platformFor(emulator.url);
      try {
        const common = { source: 'emulator', rateLimitHits: http429Counter(emulator.url), timeScale: TIME_SCALE };
        await benchAudit(pagesOf(platform), common);
        if (n === SIZES[0]) {
          const bot = platform.bot();
          await benchNaiveAudit(pagesOf(platform), async (id) => (await bot.getProfileImage(id, '90x90')) !== undefined, {
            ...common,
            sampleSize: NAIVE_SAMPLE,
          });
        }
      } finally {
        await platform.close();
      }
    } finally {
      await emulator.close();
    }
  }
  // The audit engine alone (no HTTP), for the share of the time that is ours.
  await benchAudit(inMemoryListExtensionsPage(SIZES.at(-1)!, 0.6), { source: 'in-memory' });
}

if (process.argv[2] === '--emulator-child') {
  emulatorChild(Number(process.argv[3]), Number(process.argv[4])).catch((error: unknown) => {
    process.stderr.write(`emulator process failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`audit bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
