/**
 * Trying to break the avatar pipeline: a flood of jobs against a small pool, shutting the
 * pool down mid-job, options a caller could get wrong. Each case once hung or misled.
 * (`npm run avatar` on files that are barely files: test/e2e/avatar-cli.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AvatarError,
  AvatarQueueFullError,
  AvatarWorkerError,
  avatarPipelineStats,
  closeAvatarWorkers,
  configureAvatarWorkers,
  processAvatar,
  type AvatarOptions,
} from '../../src/avatars/index.ts';
import { quadrants, toJpeg } from './make-images.ts';

let photo: Buffer;

beforeAll(async () => {
  photo = await toJpeg(quadrants(64, 48));
});

afterAll(async () => {
  await configureAvatarWorkers({});
});

/** How each settled job ended: 'ok', or the error's class name. */
function outcomes(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('the worker pool under pressure', () => {
  it('refuses jobs beyond threads + maxQueue at once with AvatarQueueFullError, runs the rest, then takes new work', async () => {
    await configureAvatarWorkers({ threads: 1, maxQueue: 2 });
    const refusedBefore = avatarPipelineStats().queueFull;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => processAvatar(photo, { engine: 'jimp', size: 64 })));
    // One running plus two waiting are accepted; the other 17 are turned away without queueing.
    expect(outcomes(results)).toEqual({ ok: 3, AvatarQueueFullError: 17 });
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AvatarWorkerError);
    expect(refused.reason).not.toBeInstanceOf(AvatarError);
    expect((refused.reason as Error).message).toMatch(/busy.*try again/i);
    expect(avatarPipelineStats().queueFull).toBe(refusedBefore + 17);
    // Refused jobs left nothing behind: the pool takes a full load again.
    const again = await Promise.allSettled(Array.from({ length: 3 }, () => processAvatar(photo, { engine: 'jimp', size: 64 })));
    expect(outcomes(again)).toEqual({ ok: 3 });
  });

  it('closeAvatarWorkers() during jobs settles every job (a result or AvatarWorkerError) and a later job works', async () => {
    await configureAvatarWorkers({ threads: 1, maxQueue: 8 });
    const jobs = Array.from({ length: 4 }, () => processAvatar(photo, { engine: 'jimp', size: 64 }));
    const settled = Promise.allSettled(jobs);
    await closeAvatarWorkers();
    const results = await settled;
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AvatarWorkerError);
    }
    // The closed pool's jobs don't count against the next one.
    const after = await Promise.allSettled(Array.from({ length: 9 }, () => processAvatar(photo, { engine: 'jimp', size: 64 })));
    expect(outcomes(after)).toEqual({ ok: 9 });
  });
});

/** A GIF89a whose logical screen is screen×screen but whose one frame declares frame×frame pixels. */
function gifFrameBomb(screen: number, frame: number): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt16LE(screen, 0);
  header.writeUInt16LE(screen, 2);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(frame, 5);
  descriptor.writeUInt16LE(frame, 7);
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), header, descriptor, Buffer.from([2, 2, 0x44, 0x01, 0, 0x3b])]);
}

describe('a GIF whose first frame is far larger than its picture', () => {
  it('is refused as too-large from the header, before any worker decodes it', async () => {
    // 100×100 on the outside, 65535×65535 in its frame: jimp walked all 4.3 G pixels until the timeout.
    for (const engine of ['jimp', 'auto'] as const) {
      const jobsBefore = avatarPipelineStats().decodeJobsStarted;
      const error = await processAvatar(gifFrameBomb(100, 65_535), { engine }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, engine).toBeInstanceOf(AvatarError);
      expect((error as AvatarError).kind).toBe('too-large');
      expect((error as AvatarError).stage).toBe('header');
      expect((error as AvatarError).message).toMatch(/65535×65535/);
      expect(avatarPipelineStats().decodeJobsStarted).toBe(jobsBefore);
    }
  });
});

describe('options a caller can get wrong', () => {
  it('throws RangeError instead of silently doing something else', async () => {
    const bad: unknown[] = [
      { timeoutMs: 2_147_483_648 }, // a Node timer would fire at once and refuse every photo as "took too long"
      { timeoutMs: 1e12 },
      { format: 'webp' },
      { fit: 'stretch' },
      { engine: 'magick' },
      { size: 15 },
      { size: 2049 },
    ];
    for (const options of bad) {
      await expect(processAvatar(photo, options as AvatarOptions), JSON.stringify(options)).rejects.toBeInstanceOf(RangeError);
    }
    const ok = await processAvatar(photo, { engine: 'jimp', size: 64, timeoutMs: 2_147_483_647, fit: 'pad', format: 'png' });
    expect(ok.contentType).toBe('image/png');
  });
});
