/** Helpers for the avatar tests: decode results and compare pixels (test side, jimp). */
import { Jimp } from 'jimp';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decode any JPEG/PNG/GIF to RGBA with jimp (first frame; EXIF orientation applied by jimp). */
export async function decode(bytes: Uint8Array): Promise<Rgba> {
  const image = await Jimp.fromBuffer(Buffer.from(bytes));
  return { width: image.bitmap.width, height: image.bitmap.height, data: image.bitmap.data };
}

/** Decode and shrink to side×side (for cheap comparisons). */
export async function thumbnail(bytes: Uint8Array, side: number): Promise<Rgba> {
  const image = await Jimp.fromBuffer(Buffer.from(bytes));
  image.resize({ w: side, h: side });
  return { width: side, height: side, data: image.bitmap.data };
}

/** Mean absolute difference per RGB channel (0..255) between two same-sized bitmaps. */
export function meanAbsDiff(a: Rgba, b: Rgba): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('size mismatch');
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0));
    n += 3;
  }
  return sum / n;
}

/** Mean R, G, B over the whole bitmap. */
export function meanRgb(img: Rgba): [number, number, number] {
  const s = [0, 0, 0];
  const count = img.data.length / 4;
  for (let i = 0; i < img.data.length; i += 4) {
    s[0]! += img.data[i] ?? 0;
    s[1]! += img.data[i + 1] ?? 0;
    s[2]! += img.data[i + 2] ?? 0;
  }
  return [s[0]! / count, s[1]! / count, s[2]! / count];
}

/** RGBA of pixel (x, y). */
export function pixel(img: Rgba, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i] ?? 0, img.data[i + 1] ?? 0, img.data[i + 2] ?? 0, img.data[i + 3] ?? 0];
}

/**
 * For a centre-square crop of a w×h input scaled to side×side, the input pixel under
 * output pixel (ox, oy).
 */
export function cropSource(w: number, h: number, side: number, ox: number, oy: number): [number, number] {
  const s = Math.min(w, h);
  const x0 = Math.floor((w - s) / 2);
  const y0 = Math.floor((h - s) / 2);
  return [Math.floor(x0 + ((ox + 0.5) * s) / side), Math.floor(y0 + ((oy + 0.5) * s) / side)];
}

/** One output pixel over a (partly) transparent input area. Brightness = mean of R, G, B. */
export interface TransparentSample {
  /** alpha of the source pixel, 0..255 */
  alpha: number;
  /** brightness the source area has when composited onto white */
  onWhite: number;
  /** brightness the output has there */
  actual: number;
}

/**
 * For a centre-square crop (w×h input → side×side output), sample output pixels whose
 * source 3×3 neighbourhood is evenly transparent (every alpha < 255, spread ≤ 16), so
 * resampling can't mix in opaque colours. Flattening onto black instead of white shows
 * up as `actual` far below `onWhite`.
 */
export function transparentSamples(input: Rgba, output: Rgba, stride = 3): TransparentSample[] {
  const found: TransparentSample[] = [];
  const src = input.data;
  const alphaAt = (x: number, y: number): number => src[(y * input.width + x) * 4 + 3] ?? 0;
  for (let oy = 0; oy < output.height; oy += stride) {
    for (let ox = 0; ox < output.width; ox += stride) {
      const [sx, sy] = cropSource(input.width, input.height, output.width, ox, oy);
      let minA = 255;
      let maxA = 0;
      let onWhite = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = Math.min(input.width - 1, Math.max(0, sx + dx));
          const y = Math.min(input.height - 1, Math.max(0, sy + dy));
          const i = (y * input.width + x) * 4;
          const a = src[i + 3] ?? 0;
          minA = Math.min(minA, a);
          maxA = Math.max(maxA, a);
          const keep = a / 255;
          onWhite += (((src[i] ?? 0) + (src[i + 1] ?? 0) + (src[i + 2] ?? 0)) / 3) * keep + 255 * (1 - keep);
        }
      }
      if (maxA === 255 || maxA - minA > 16) continue;
      const o = (oy * output.width + ox) * 4;
      const actual = ((output.data[o] ?? 0) + (output.data[o + 1] ?? 0) + (output.data[o + 2] ?? 0)) / 3;
      found.push({ alpha: alphaAt(sx, sy), onWhite: onWhite / 9, actual });
    }
  }
  return found;
}
