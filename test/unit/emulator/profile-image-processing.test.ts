import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/emulator/api-error.ts';
import { buildProfileImage, etagOf, sniffImageType } from '../../../src/emulator/platform/profile-image-processing.ts';

async function image(w: number, h: number, mime: 'image/png' | 'image/jpeg' | 'image/gif'): Promise<Buffer> {
  return new Jimp({ width: w, height: h, color: 0x11aa55ff }).getBuffer(mime);
}

async function failure(p: Promise<unknown>): Promise<[number, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return [e.status, e.errorCode];
    throw e;
  }
  throw new Error('expected a ApiError');
}

describe('sniffImageType', () => {
  it('recognises JPEG, PNG and GIF by their first bytes only', async () => {
    expect(sniffImageType(await image(4, 4, 'image/jpeg'))).toBe('image/jpeg');
    expect(sniffImageType(await image(4, 4, 'image/png'))).toBe('image/png');
    expect(sniffImageType(await image(4, 4, 'image/gif'))).toBe('image/gif');
    expect(sniffImageType(Buffer.from('GIF87a....'))).toBe('image/gif');
    expect(sniffImageType(Buffer.from('BM......'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('buildProfileImage', () => {
  it('keeps the original bytes, computes an md5 etag, and makes real square scales', async () => {
    const png = await image(300, 150, 'image/png');
    const rec = await buildProfileImage(png, '2026-01-01T00:00:00.000Z');
    expect(rec.original).toBe(png);
    expect(rec.contentType).toBe('image/png');
    expect(rec.etag).toBe(etagOf(png));
    expect([...rec.scales.keys()]).toEqual(['90x90', '195x195', '584x584']);
    for (const [scale, bytes] of rec.scales) {
      const img = await Jimp.fromBuffer(bytes);
      const side = Number(scale.split('x')[0]);
      expect([img.bitmap.width, img.bitmap.height]).toEqual([side, side]);
      expect(sniffImageType(bytes)).toBe('image/png');
    }
  });

  it('refuses other formats (415 ACT-330), undecodable data (400 ACT-331) and more than 12 MP (400 ACT-334)', async () => {
    expect(await failure(buildProfileImage(Buffer.from('BM' + 'x'.repeat(60)), 'x'))).toEqual([415, 'ACT-330']);
    const jpeg = await image(20, 20, 'image/jpeg');
    expect(await failure(buildProfileImage(jpeg.subarray(0, 40), 'x'))).toEqual([400, 'ACT-331']);
    expect(await failure(buildProfileImage(Buffer.from('GIF89a'), 'x'))).toEqual([400, 'ACT-331']);
    // A GIF header announcing 4001×3000 (12,003,000 px): refused from the header alone.
    const gif = Buffer.alloc(32);
    gif.write('GIF89a', 0, 'latin1');
    gif.writeUInt16LE(4001, 6);
    gif.writeUInt16LE(3000, 8);
    expect(await failure(buildProfileImage(gif, 'x'))).toEqual([400, 'ACT-334']);
  });
});
