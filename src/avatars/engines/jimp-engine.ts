/**
 * The jimp engine (pure JavaScript, runs anywhere). Runs inside the image worker only:
 * jimp's codecs are synchronous and would block the event loop (docs/ringcentral-notes.md §9.5).
 * EXIF orientation is applied by Jimp.fromBuffer (jimp ≥ 1.0.2, docs/ringcentral-notes.md §9.1).
 */
import { Jimp } from 'jimp';
import type { RenderPlan } from '../avatar-plan.ts';
import { decodeForeign, isForeignFormat } from './decode-foreign.ts';
import { flattenOntoWhite, type AvatarEngine, type SquareBitmap } from './rendered-pixels.ts';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const PNG_SIGNATURE_LENGTH = 8;

/**
 * jimp refuses APNG outright (its sniffer says image/apng). An APNG's default image is
 * an ordinary PNG once the animation chunks (acTL, fcTL, fdAT) are left out, which is
 * what this returns. Other PNGs come back unchanged. Chunk bounds were checked earlier.
 */
export function withoutApngChunks(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, PNG_SIGNATURE_LENGTH)];
  let animated = false;
  let i = PNG_SIGNATURE_LENGTH;
  while (i + 12 <= bytes.length) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(...bytes.subarray(i + 4, i + 8));
    const end = Math.min(bytes.length, i + 12 + length);
    if (type === 'acTL' || type === 'fcTL' || type === 'fdAT') animated = true;
    else kept.push(bytes.subarray(i, end));
    i = end;
  }
  return animated ? Buffer.concat(kept) : bytes;
}

export const jimpEngine: AvatarEngine = {
  async render(bytes: Uint8Array, plan: RenderPlan): Promise<SquareBitmap> {
    let image;
    if (isForeignFormat(plan.sourceFormat)) {
      const bitmap = await decodeForeign(bytes, plan.sourceFormat);
      image = Jimp.fromBitmap({ data: asBuffer(bitmap.data), width: bitmap.width, height: bitmap.height });
    } else {
      const input = plan.sourceFormat === 'png' ? withoutApngChunks(bytes) : bytes;
      image = await Jimp.fromBuffer(asBuffer(input), {
        'image/jpeg': {
          maxResolutionInMP: Math.ceil(plan.maxInputPixels / 1e6) + 1,
          maxMemoryUsageInMB: 4096,
        },
      });
    }
    if (plan.format === 'jpeg') flattenOntoWhite(image.bitmap.data);
    const { width, height } = image.bitmap;
    if (plan.fit === 'crop') {
      const s = Math.min(width, height);
      image.crop({ x: Math.floor((width - s) / 2), y: Math.floor((height - s) / 2), w: s, h: s });
      image.resize({ w: plan.side, h: plan.side });
      return { data: image.bitmap.data, side: plan.side };
    }
    // pad: fit the whole picture inside the square, on white (JPEG) or transparent (PNG)
    const scale = plan.side / Math.max(width, height);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    image.resize({ w, h });
    const canvas = new Jimp({ width: plan.side, height: plan.side, color: plan.format === 'jpeg' ? 0xffffffff : 0x00000000 });
    canvas.composite(image, Math.floor((plan.side - w) / 2), Math.floor((plan.side - h) / 2));
    return { data: canvas.bitmap.data, side: plan.side };
  },

  async encode(bitmap: SquareBitmap, format: 'jpeg' | 'png', jpegQuality: number): Promise<Uint8Array> {
    const image = Jimp.fromBitmap({ data: asBuffer(bitmap.data), width: bitmap.side, height: bitmap.side });
    return format === 'jpeg'
      ? await image.getBuffer('image/jpeg', { quality: jpegQuality })
      : await image.getBuffer('image/png');
  },
};
