/**
 * Avatar pipeline benchmark: for each engine that loads here and for a 1 MP, 12 MP and
 * 36 MP photo, one JSON line with the time, the process's peak RSS (main thread and
 * workers share it) and the main thread's event-loop delay while the photo is processed.
 *
 *   tsx scripts/bench/avatar-bench.ts          (or via `npm run bench`)
 *
 * Photos are generated (sharp's noise generator when available, else jimp), the same
 * bytes for every engine. Before each measurement the worker pool is restarted and warmed
 * up, so a run's numbers don't include thread start-up or an earlier run's garbage.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Jimp } from 'jimp';
import { availableEngines, closeAvatarWorkers, processAvatar, type ImageEngineName } from '../../src/avatars/index.ts';

interface Photo {
  label: string;
  width: number;
  height: number;
  bytes: Buffer;
}

const SIZES = [
  { label: '1MP', width: 1200, height: 900 },
  { label: '12MP', width: 4000, height: 3000 },
  { label: '36MP', width: 6000, height: 6000 },
] as const;

/** A photo-like JPEG: smooth shapes plus noise, so it neither compresses to nothing nor is pure noise. */
async function makePhoto(width: number, height: number, engines: ImageEngineName[]): Promise<Buffer> {
  if (engines.includes('sharp')) {
    const sharp = (await import('sharp')).default;
    const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .blur(1.5)
      .jpeg({ quality: 90 })
      .toBuffer();
    return noise;
  }
  const data = Buffer.alloc(width * height * 4);
  let state = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      const n = (state >>> 26) - 32;
      const i = (y * width + x) * 4;
      data[i] = ((x * 255) / width + n) & 255;
      data[i + 1] = ((y * 255) / height + n) & 255;
      data[i + 2] = (((x + y) * 128) / (width + height) + n) & 255;
      data[i + 3] = 255;
    }
  }
  return Jimp.fromBitmap({ data, width, height }).getBuffer('image/jpeg', { quality: 90 });
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Measure one photo through one engine; returns the JSON-ready record. */
async function measure(engine: ImageEngineName, photo: Photo, warmup: Buffer): Promise<Record<string, unknown>> {
  await closeAvatarWorkers();
  collectGarbage();
  await processAvatar(warmup, { engine }); // start and warm the worker
  collectGarbage();

  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  let outcome: Record<string, unknown>;
  try {
    const result = await processAvatar(photo.bytes, { engine, timeoutMs: 300_000 });
    outcome = { ok: true, output: { width: result.width, height: result.height, bytes: result.bytes.length } };
  } catch (error) {
    outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const ms = performance.now() - started;
  delay.disable();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const mb = (n: number): number => Math.round((n / (1024 * 1024)) * 10) / 10;
  return {
    bench: 'avatar',
    engine,
    photo: photo.label,
    width: photo.width,
    height: photo.height,
    inputBytes: photo.bytes.length,
    ms: Math.round(ms),
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peakRss),
    // RSS rarely shrinks, so a later run starts from an earlier run's high-water mark:
    // the growth during this run is the comparable number
    rssGrowthMb: mb(peakRss - rssBefore),
    eventLoopDelayMs: {
      max: Math.round((delay.max / 1e6) * 10) / 10,
      p99: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
      mean: Math.round((delay.mean / 1e6) * 10) / 10,
    },
    ...outcome,
  };
}

/** Run every measurement and print one JSON line each to stdout. */
export async function main(): Promise<void> {
  const engines = await availableEngines();
  const warmup = await makePhoto(64, 64, engines);
  const photos: Photo[] = [];
  for (const size of SIZES) photos.push({ ...size, bytes: await makePhoto(size.width, size.height, engines) });
  try {
    for (const engine of engines) {
      for (const photo of photos) process.stdout.write(`${JSON.stringify(await measure(engine, photo, warmup))}\n`);
    }
  } finally {
    await closeAvatarWorkers();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
