/** The emulator's profile-image work on a worker thread gives what the inline path gives. */
import { Jimp } from 'jimp';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorState } from '../../../src/emulator/emulator-state.ts';
import { ApiError } from '../../../src/emulator/api-error.ts';
import { buildProfileImageFor, closeProfileImageWorkers, runProfileImagesOffThread } from '../../../src/emulator/platform/profile-image-pool.ts';

afterAll(() => closeProfileImageWorkers());

describe('buildProfileImageFor', () => {
  it('builds the same record on a worker thread as inline, with Buffers', async () => {
    const bytes = await new Jimp({ width: 300, height: 200, color: 0x3366ccff }).getBuffer('image/png');
    const inline = await buildProfileImageFor(new EmulatorState(), bytes, '2026-01-01T00:00:00.000Z');
    const state = new EmulatorState();
    runProfileImagesOffThread(state);
    const worker = await buildProfileImageFor(state, bytes, '2026-01-01T00:00:00.000Z');
    expect(Buffer.isBuffer(worker.original)).toBe(true);
    expect(worker.original.equals(bytes)).toBe(true);
    expect(worker.etag).toBe(inline.etag);
    expect([...worker.scales.keys()]).toEqual([...inline.scales.keys()]);
    for (const [scale, data] of inline.scales) {
      expect(Buffer.isBuffer(worker.scales.get(scale))).toBe(true);
      expect(worker.scales.get(scale)!.equals(data)).toBe(true);
    }
  }, 60_000);

  it('refuses on the worker thread with RingCentral\'s status and error code', async () => {
    const state = new EmulatorState();
    runProfileImagesOffThread(state);
    const err = await buildProfileImageFor(state, Buffer.from('not an image at all, just some text'), '2026-01-01T00:00:00.000Z').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 415, errorCode: 'ACT-330' });
  }, 60_000);
});
