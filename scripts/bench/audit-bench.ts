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
 * TODO(lead): wire to the emulator. For 10,000 and 100,000 extensions: start
 * `createEmulator({port: 0, rateLimits: true, timeScale: <small>, seed: {users: N, withPhotoRatio: 0.6}})`,
 * log in with the admin JWT from `GET /_emulator/state`, build `listExtensionsPage` from the
 * shared platform client (or `createSdkListExtensionsPage` in scripts/audit.ts), pass
 * `rateLimitHits` that counts status 429 in `GET /_emulator/requests`, and run
 * `benchNaiveAudit` on a 1,000-extension sample with a `hasPhotoByRequest` doing
 * `GET /restapi/v1.0/account/~/extension/{id}/profile-image` (200 → photo, 404 → none).
 * Until then `main` measures the audit engine alone on in-memory pages (no HTTP).
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runAudit } from '../../src/audit/run-audit.ts';
import type { AuditFilter, ExtensionRecord, ListExtensionsPage } from '../../src/audit/audit-types.ts';

export interface BenchAuditOptions {
  /** Where the pages come from, e.g. `emulator` or `in-memory`. */
  source?: string;
  filter?: AuditFilter;
  /** Number of 429 answers seen so far (e.g. counted from `GET /_emulator/requests`). */
  rateLimitHits?: () => number | Promise<number>;
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

async function main(): Promise<void> {
  // TODO(lead): replace with the emulator wiring described at the top of this file.
  for (const n of [10_000, 100_000]) {
    await benchAudit(inMemoryListExtensionsPage(n, 0.6), { source: 'in-memory' });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`audit bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
