/**
 * The sharp engine (libvips, native, optional dependency). Loaded and run only inside the image
 * workers: a worker's exit doesn't unload libvips (sharp links it with `-z nodelete`), so the
 * main thread needn't hold it (select-engine.ts).
 * Output never carries metadata: sharp strips it unless withMetadata/keep* is called.
 */
import type { RenderPlan } from '../avatar-plan.ts';
import { decodeForeign, isForeignFormat } from './decode-foreign.ts';
import type { AvatarEngine, SquareBitmap } from './rendered-pixels.ts';

type SharpModule = typeof import('sharp');
let sharpModule: Promise<SharpModule['default']> | undefined;

/** Load sharp (cached). Rejects when the optional dependency is missing or fails to load. */
export function loadSharp(): Promise<SharpModule['default']> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
const CLEAR = { r: 255, g: 255, b: 255, alpha: 0 };

export const sharpEngine: AvatarEngine = {
  async render(bytes: Uint8Array, plan: RenderPlan): Promise<SquareBitmap> {
    const sharp = await loadSharp();
    // failOn 'error': libjpeg's warnings include harmless ones (extra bytes before a
    // marker after a damaged EXIF block); truncated JPEGs are refused earlier, from the header.
    let pipeline;
    if (isForeignFormat(plan.sourceFormat)) {
      const bitmap = await decodeForeign(bytes, plan.sourceFormat);
      pipeline = sharp(bitmap.data, { raw: { width: bitmap.width, height: bitmap.height, channels: 4 } });
    } else {
      pipeline = sharp(bytes, { limitInputPixels: plan.maxInputPixels, failOn: 'error', pages: 1 }).autoOrient();
    }
    if (plan.format === 'jpeg') pipeline = pipeline.flatten({ background: WHITE });
    pipeline = pipeline.resize(plan.side, plan.side, {
      fit: plan.fit === 'crop' ? 'cover' : 'contain',
      position: 'centre',
      background: plan.format === 'jpeg' ? WHITE : CLEAR,
    });
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== plan.side || info.height !== plan.side || info.channels !== 4) {
      throw new Error(`sharp produced ${info.width}×${info.height}×${info.channels}, expected ${plan.side}²×4`);
    }
    return { data, side: plan.side };
  },

  async encode(bitmap: SquareBitmap, format: 'jpeg' | 'png', jpegQuality: number): Promise<Uint8Array> {
    const sharp = await loadSharp();
    const image = sharp(bitmap.data, { raw: { width: bitmap.side, height: bitmap.side, channels: 4 } });
    return format === 'jpeg'
      ? await image.removeAlpha().jpeg({ quality: jpegQuality, chromaSubsampling: '4:2:0' }).toBuffer()
      : await image.png().toBuffer();
  },
};
