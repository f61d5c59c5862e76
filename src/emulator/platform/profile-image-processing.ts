import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import { Jimp } from 'jimp';
import type { ProfileImageRecord } from '../account-records.ts';
import { ApiError } from '../api-error.ts';

/** Scale sizes RingCentral serves besides `original` (docs/ringcentral-notes.md §2.3 `scaleSize` enum). */
export const PROFILE_IMAGE_SCALES = ['90x90', '195x195', '584x584'] as const;

/** Largest accepted upload body, bytes (`x-request-max-body-size: 10m`, §2.3). */
export const PROFILE_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Largest accepted image, pixels: "more than 12 megapixel" is refused with ACT-334 (§2.3). The
 * emulator reads a megapixel as 10^6 pixels, so 4000×3000 passes and 4032×3024 does not.
 */
export const PROFILE_IMAGE_MAX_PIXELS = 12_000_000;

/** Shorter uploads cannot be a complete JPEG, PNG or GIF (the smallest valid GIF is 26 bytes). */
const MIN_IMAGE_BYTES = 26;

export type ProfileImageContentType = ProfileImageRecord['contentType'];

/** The image type from the first bytes (JPEG `FF D8 FF`, PNG signature, `GIF87a|GIF89a`), else undefined. */
export function sniffImageType(bytes: Buffer): ProfileImageContentType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 6) {
    const sig = bytes.subarray(0, 6).toString('latin1');
    if (sig === 'GIF87a' || sig === 'GIF89a') return 'image/gif';
  }
  return undefined;
}

/**
 * Checks an upload the way RingCentral does (§2.3) and builds the stored record with real
 * resized scales (center-cropped squares, in the upload's format except GIF, whose scales are
 * PNG because jimp's GIF encoder needs seconds per image; the emulator's choice):
 * not JPEG/PNG/GIF by magic bytes → 415 ACT-330; header unreadable → 400 ACT-331;
 * more than 12 MP by header dimensions (checked before decoding; for a GIF also by its first
 * frame's own size) → 400 ACT-334; a GIF without an image descriptor → 400 ACT-331;
 * a PNG without image data (no `IDAT`) or not decodable → 400 ACT-331. Throws ApiError.
 * Decoding a 12 MP image with jimp takes seconds; it happens once per upload.
 */
export async function buildProfileImage(bytes: Buffer, lastModified: string): Promise<ProfileImageRecord> {
  const contentType = sniffImageType(bytes);
  if (!contentType) throw new ApiError(415, 'ACT-330', 'Unsupported image content type');
  // No real JPEG/PNG/GIF is this short; and image-size must not read past the upload's bytes
  // (small Buffers share a pooled ArrayBuffer), so it gets an exact-size copy.
  if (bytes.length < MIN_IMAGE_BYTES) throw new ApiError(400, 'ACT-331', 'Profile image not valid');
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = imageSize(new Uint8Array(bytes)));
  } catch {
    throw new ApiError(400, 'ACT-331', 'Profile image not valid');
  }
  if (!width || !height) throw new ApiError(400, 'ACT-331', 'Profile image not valid');
  if (width * height > PROFILE_IMAGE_MAX_PIXELS) {
    throw new ApiError(400, 'ACT-334', 'Profile image file is more than 12 megapixel');
  }
  // jimp walks every pixel of a GIF's first frame, however much larger than the picture it
  // claims to be; on the emulator's one thread a 50-byte GIF could stall every client for minutes.
  if (contentType === 'image/gif') {
    const frame = gifFirstFrameSize(bytes);
    if (!frame) throw new ApiError(400, 'ACT-331', 'Profile image not valid');
    if (frame.width * frame.height > PROFILE_IMAGE_MAX_PIXELS) {
      throw new ApiError(400, 'ACT-334', 'Profile image file is more than 12 megapixel');
    }
  }
  // jimp decodes some PNGs that carry no pixel data at all (IHDR then IEND) as a black picture.
  if (contentType === 'image/png' && !pngHasImageData(bytes)) throw new ApiError(400, 'ACT-331', 'Profile image not valid');
  let decoded: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    decoded = await Jimp.fromBuffer(bytes);
  } catch {
    throw new ApiError(400, 'ACT-331', 'Profile image not valid');
  }
  const scales = new Map<string, Buffer>();
  for (const scale of PROFILE_IMAGE_SCALES) {
    const side = Number(scale.split('x')[0]);
    const resized = decoded.clone().cover({ w: side, h: side });
    scales.set(scale, await encode(resized, contentType === 'image/gif' ? 'image/png' : contentType));
  }
  return { original: bytes, contentType, scales, etag: etagOf(bytes), lastModified };
}

/**
 * The size in pixels of a GIF's first frame, from its image descriptor (walks the blocks after
 * the logical screen and global colour table; no LZW decoding). Undefined when the file has no
 * complete image descriptor.
 */
export function gifFirstFrameSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 13) return undefined;
  const flags = bytes[10]!;
  let at = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 0x07) + 1)) : 0);
  while (at < bytes.length) {
    const introducer = bytes[at];
    if (introducer === 0x2c) {
      if (at + 10 > bytes.length) return undefined;
      return { width: bytes.readUInt16LE(at + 5), height: bytes.readUInt16LE(at + 7) };
    }
    if (introducer !== 0x21) return undefined; // the trailer, or not a GIF block
    at += 2; // extension introducer and label, then data sub-blocks up to a zero-length one
    while (at < bytes.length) {
      const size = bytes[at]!;
      at += 1 + size;
      if (size === 0) break;
    }
  }
  return undefined;
}

/**
 * Whether a PNG has an `IDAT` chunk (walks the chunk list from byte 8; stops at `IEND`, at a
 * chunk that runs past the end, or after 10,000 chunks). A PNG without one has no pixels.
 */
export function pngHasImageData(bytes: Buffer): boolean {
  let at = 8;
  for (let n = 0; n < 10_000 && at + 8 <= bytes.length; n++) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') return length > 0;
    if (type === 'IEND') return false;
    at += 12 + length;
  }
  return false;
}

async function encode(img: { getBuffer: (mime: never, opts?: never) => Promise<Buffer> }, type: ProfileImageContentType): Promise<Buffer> {
  const getBuffer = img.getBuffer.bind(img) as (mime: string, opts?: Record<string, unknown>) => Promise<Buffer>;
  return type === 'image/jpeg' ? getBuffer(type, { quality: 85 }) : getBuffer(type);
}

/** The image's etag: md5 hex of the original bytes (the shape of RingCentral's etags, §2.2). */
export function etagOf(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}
