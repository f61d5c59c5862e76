/** Build test images in memory with jimp, plus hand-made EXIF and header-only files. */
import { deflateSync } from 'node:zlib';
import { Jimp } from 'jimp';
import type { Rgba } from './pixels.ts';

export type Colour = [number, number, number, number];
export const RED: Colour = [220, 30, 30, 255];
export const GREEN: Colour = [30, 200, 30, 255];
export const BLUE: Colour = [30, 30, 220, 255];
export const YELLOW: Colour = [230, 220, 30, 255];

/** A w×h picture in four coloured quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
export function quadrants(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = y < h / 2 ? (x < w / 2 ? RED : GREEN) : x < w / 2 ? BLUE : YELLOW;
      data.set(c, (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

/** A w×h picture filled by `paint(x, y)`. */
export function painted(w: number, h: number, paint: (x: number, y: number) => Colour): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(paint(x, y), (y * w + x) * 4);
  return { width: w, height: h, data };
}

/** Deterministic noise (so pictures are never a single flat colour and JPEG has work to do). */
export function noisy(w: number, h: number, seed = 1): Rgba {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state >>> 24;
  };
  return painted(w, h, (x, y) => [(x * 7 + next()) & 255, (y * 5 + next()) & 255, (x + y + next()) & 255, 255]);
}

function jimpOf(img: Rgba) {
  return Jimp.fromBitmap({ data: Buffer.from(img.data), width: img.width, height: img.height });
}

export async function toJpeg(img: Rgba, quality = 92): Promise<Buffer> {
  return jimpOf(img).getBuffer('image/jpeg', { quality });
}

export async function toPng(img: Rgba, deflateLevel?: number): Promise<Buffer> {
  return deflateLevel === undefined ? jimpOf(img).getBuffer('image/png') : jimpOf(img).getBuffer('image/png', { deflateLevel });
}

/**
 * The stored pixels for a picture that must *display* as `upright` once EXIF orientation
 * `orientation` (1..8) is applied. Mapping per the EXIF spec (TIFF tag 0x0112):
 * display(x, y) comes from stored(sx, sy) as below, W/H being the stored size.
 */
export function storedFor(upright: Rgba, orientation: number): Rgba {
  const swap = orientation >= 5;
  const W = swap ? upright.height : upright.width;
  const H = swap ? upright.width : upright.height;
  const data = new Uint8Array(W * H * 4);
  for (let dy = 0; dy < upright.height; dy++) {
    for (let dx = 0; dx < upright.width; dx++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: [sx, sy] = [W - 1 - dx, dy]; break;
        case 3: [sx, sy] = [W - 1 - dx, H - 1 - dy]; break;
        case 4: [sx, sy] = [dx, H - 1 - dy]; break;
        case 5: [sx, sy] = [dy, dx]; break;
        case 6: [sx, sy] = [dy, H - 1 - dx]; break;
        case 7: [sx, sy] = [W - 1 - dy, H - 1 - dx]; break;
        case 8: [sx, sy] = [W - 1 - dy, dx]; break;
        default: [sx, sy] = [dx, dy];
      }
      const from = (dy * upright.width + dx) * 4;
      data.set(upright.data.subarray(from, from + 4), (sy * W + sx) * 4);
    }
  }
  return { width: W, height: H, data };
}

/** An APP1 Exif segment holding only IFD0 with Orientation = `orientation` (little-endian TIFF). */
export function exifOrientationSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0 offset
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14); // count
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** Insert an EXIF segment right after SOI (and before jimp's JFIF APP0, which is fine for readers). */
export function withExif(jpeg: Buffer, segment: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  // CRC is not checked by the header inspection; decoders never see these files
  return out;
}

/**
 * A small file whose PNG header declares width×height (a decompression bomb shape):
 * IHDR, one IDAT of deflated zeros, IEND.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024 * 1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG header with a 4-component frame and an Adobe APP14 marker with `transform`, then a tiny scan and EOI. */
export function cmykJpegHeader(transform: number): Buffer {
  const app14 = Buffer.from([0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0x00, 0x64, 0, 0, 0, 0, transform]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x14, 8, 0x00, 0x40, 0x00, 0x40, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x0e, 4, 1, 0, 2, 0, 3, 0, 4, 0, 0, 63, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app14, sof, sos, Buffer.alloc(64, 0x55), Buffer.from([0xff, 0xd9])]);
}

let webpEncoder: Promise<(img: { data: Uint8ClampedArray; width: number; height: number }, options: object) => Promise<ArrayBuffer>> | undefined;

/** Encode as WebP (lossless) with @jsquash/webp, its .wasm read from node_modules. */
export async function toWebp(img: Rgba): Promise<Buffer> {
  webpEncoder ??= (async () => {
    const { createRequire } = await import('node:module');
    const { readFile } = await import('node:fs/promises');
    const require = createRequire(import.meta.url);
    const mod = (await import('@jsquash/webp/encode.js')) as unknown as {
      init: (module: WebAssembly.Module) => Promise<unknown>;
      default: (img: { data: Uint8ClampedArray; width: number; height: number }, options: object) => Promise<ArrayBuffer>;
    };
    const hasSimd = WebAssembly.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]),
    );
    const file = hasSimd ? 'webp_enc_simd.wasm' : 'webp_enc.wasm';
    await mod.init(await WebAssembly.compile(await readFile(require.resolve(`@jsquash/webp/codec/enc/${file}`))));
    return mod.default;
  })();
  const encode = await webpEncoder;
  const out = await encode({ data: new Uint8ClampedArray(img.data), width: img.width, height: img.height }, { lossless: 1 });
  return Buffer.from(out);
}

/** A WebP header (VP8X) that says the file is animated; nothing after it. */
export function animatedWebpHeader(): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x[8] = 0x02; // animation flag
  vp8x.writeUIntLE(99, 12, 3); // width − 1
  vp8x.writeUIntLE(99, 15, 3); // height − 1
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + vp8x.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, vp8x]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** A PNG chunk with a correct CRC. */
export function pngChunkWithCrc(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = 0xffffffff;
  for (const byte of body) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

/** Insert `chunk` right after a PNG's IHDR (signature 8 bytes + IHDR 25 bytes). */
export function withChunkAfterIhdr(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

/** A GIF89a of w×h with `frames` image descriptors (each a 1-pixel LZW stream); header-level tests only. */
export function gifWithFrames(w: number, h: number, frames: number): Buffer {
  const parts: Buffer[] = [Buffer.from('GIF89a', 'latin1')];
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(w, 0);
  screen.writeUInt16LE(h, 2);
  parts.push(screen);
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0])); // graphic control extension
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(1, 5);
    descriptor.writeUInt16LE(1, 7);
    parts.push(descriptor, Buffer.from([2, 2, 0x4c, 0x01, 0]));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}
