/**
 * Isolation: decoding runs off the main thread, a stuck or crashing worker is replaced,
 * and bombs are refused without memory growth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AvatarError,
  AvatarWorkerError,
  avatarPipelineStats,
  closeAvatarWorkers,
  processAvatar,
} from '../../src/avatars/index.ts';
import { runOnWorker } from '../../src/avatars/worker-pool.ts';
import { watchLoop } from './loop-watch.ts';
import { painted, pngBomb, quadrants, toJpeg } from './make-images.ts';

const imagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/images');

afterAll(async () => {
  await closeAvatarWorkers();
});

/** A JPEG header declaring width×height (SOF0, 3 components) with a tiny scan and EOI: a bomb shape. */
function jpegBomb(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x0c, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, sos, Buffer.alloc(256, 0x55), Buffer.from([0xff, 0xd9])]);
}

describe('worker isolation', () => {
  it('keeps the main event loop running while jimp decodes a large photo', async () => {
    // 6 MP: about a second of jimp work; a gradient keeps the test's own encoding quick
    const photo = await toJpeg(painted(3000, 2000, (x, y) => [x & 255, y & 255, (x + y) & 255, 255]), 85);
    const { value: result, report } = await watchLoop(() => processAvatar(photo, { engine: 'jimp' }));
    expect(result.width).toBe(1024);
    // Had the decode run on this thread, one delay would span (nearly) the whole job.
    expect(report.ms).toBeGreaterThan(300);
    expect(report.ticks).toBeGreaterThan(10);
    expect(report.maxDelayMs).toBeLessThan(report.ms / 2);
  });

  it('replaces a crashed worker; the job fails cleanly and the next one works', async () => {
    const failuresBefore = avatarPipelineStats().workerFailures;
    await expect(runOnWorker({ type: 'misbehave', action: 'crash' }, 10_000)).rejects.toBeInstanceOf(AvatarWorkerError);
    expect(avatarPipelineStats().workerFailures).toBeGreaterThan(failuresBefore);
    const after = await processAvatar(await toJpeg(quadrants(300, 200)), { engine: 'jimp' });
    expect(after.width).toBe(584);
  });

  it('terminates a worker that runs past its timeout; the job is refused and the next one works', async () => {
    const timeoutsBefore = avatarPipelineStats().timeouts;
    const error = await runOnWorker({ type: 'misbehave', action: 'hang' }, 300).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AvatarError);
    expect((error as AvatarError).kind).toBe('too-large');
    expect((error as AvatarError).message).toMatch(/took too long/);
    expect(avatarPipelineStats().timeouts).toBe(timeoutsBefore + 1);
    const after = await processAvatar(await toJpeg(quadrants(300, 200)), { engine: 'jimp' });
    expect(after.width).toBe(584);
  });

  it('starts a fresh pool after closeAvatarWorkers', async () => {
    await closeAvatarWorkers();
    await closeAvatarWorkers(); // twice is fine
    const result = await processAvatar(await toJpeg(quadrants(300, 200)), { engine: 'jimp' });
    expect(result.width).toBe(584);
  });
});

describe('decompression bombs', () => {
  it('are refused from the header without decoding and without memory growth', async () => {
    const bombs = [pngBomb(65_536, 65_536), jpegBomb(20_000, 14_000)];
    for (const name of ['bomb-png-65536x65536-1bit.png', 'bomb-jpeg-20000x14000-gray.jpg']) {
      if (existsSync(join(imagesDir, name))) bombs.push(readFileSync(join(imagesDir, name)));
    }
    const jobsBefore = avatarPipelineStats().decodeJobsStarted;
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      for (const bomb of bombs) {
        const error = await processAvatar(bomb).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AvatarError);
        expect([(error as AvatarError).kind, (error as AvatarError).stage]).toEqual(['too-large', 'header']);
      }
    }
    const grownMb = (process.memoryUsage().rss - rssBefore) / (1024 * 1024);
    expect(avatarPipelineStats().decodeJobsStarted).toBe(jobsBefore);
    // a decode would need gigabytes; a header check needs next to nothing
    expect(grownMb).toBeLessThan(64);
  });
});
