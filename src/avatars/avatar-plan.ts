/**
 * The numbers of the pipeline and the plan a worker follows for one image.
 * Pure functions; no I/O.
 */
import { AvatarError } from './avatar-error.ts';
import type { ImageHeader } from './inspect-header.ts';

/** Defaults for AvatarOptions. Sizes in pixels, bytes in bytes, times in ms. */
export const AVATAR_DEFAULTS = {
  size: 1024,
  fit: 'crop',
  maxInputBytes: 25 * 1024 * 1024,
  maxInputPixels: 50_000_000,
  timeoutMs: 30_000,
  jpegQuality: 88,
} as const;

/**
 * RingCentral's largest profile-image scale size is 584x584
 * (scaleSize enum original|90x90|195x195|584x584, docs/ringcentral-notes.md §2.3,
 * GET .../profile-image/{scaleSize}). Small photos are enlarged up to this, never beyond.
 */
export const LARGEST_SCALE_SIZE = 584;
/** Under this many pixels on the short side a photo is refused as too small. */
export const MIN_SHORT_SIDE = 16;
/** Under this many pixels on the short side a photo is accepted with a warning. */
export const WARN_SHORT_SIDE = 200;
/** Allowed range for the `size` option (px); 2048² is well under RingCentral's 12 MP limit (ACT-334). */
export const MIN_SIZE = 16;
export const MAX_SIZE = 2048;
/** RingCentral's body limit for PUT profile-image is 10 MB (x-request-max-body-size: 10m). */
export const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/** What the worker needs to render one avatar. */
export interface RenderPlan {
  engine: 'jimp' | 'sharp';
  /** the sniffed input format */
  sourceFormat: import('./inspect-header.ts').DecodableFormat;
  format: 'jpeg' | 'png';
  fit: 'crop' | 'pad';
  /** side of the square output in pixels */
  side: number;
  /** decoder guard: the most pixels any frame may have */
  maxInputPixels: number;
  jpegQuality: number;
  /** bytes of compressed pixel data in the file (from the header) */
  imageDataBytes: number;
  /** flat-colour safety net: a single-colour result is refused only above this many bytes of pixel data */
  flatDataAllowanceBytes: number;
}

/**
 * A picture of one flat colour compresses to almost nothing, so a single-colour decode is
 * plausible only from little pixel data. Above this many bytes (for `pixels` pixels) a
 * flat result means the decoder filled in for data it couldn't read. Legitimately flat
 * files (a black 36 MP JPEG is 0.4 MB) stay well below it.
 */
export function flatDataAllowance(pixels: number): number {
  return 64 * 1024 + Math.ceil(pixels / 8);
}

/**
 * Side of the square avatar for a picture whose upright size is width×height (px).
 * Crop uses the short side, pad the long side. Never larger than `size`; a smaller
 * source is enlarged only up to LARGEST_SCALE_SIZE (or `size` if that is smaller).
 */
export function avatarSide(width: number, height: number, size: number, fit: 'crop' | 'pad'): number {
  const source = fit === 'crop' ? Math.min(width, height) : Math.max(width, height);
  if (source >= size) return size;
  return Math.min(size, Math.max(source, LARGEST_SCALE_SIZE));
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Refuse by byte count (before even sniffing). Throws AvatarError('too-large').
 * `maxInputBytes` in bytes.
 */
export function checkByteBudget(byteLength: number, maxInputBytes: number): void {
  if (byteLength > maxInputBytes) {
    throw new AvatarError(
      'too-large',
      `That file is too large (${formatMegabytes(byteLength)}). Please send a photo smaller than ${formatMegabytes(maxInputBytes)}.`,
    );
  }
}

/**
 * Refuse by header size: more than `maxInputPixels` pixels → 'too-large' (for a GIF, the larger
 * of the picture and its first frame, which decoders walk pixel by pixel even when the frame
 * is far larger than the picture); short side under MIN_SHORT_SIDE → 'too-small'.
 * Returns warnings for small photos and animations. Throws AvatarError.
 */
export function checkPixelBudget(header: ImageHeader, maxInputPixels: number): string[] {
  const { displayWidth: w, displayHeight: h } = header;
  const frame = header.firstFrame;
  const [bw, bh] = frame && frame.width * frame.height > w * h ? [frame.width, frame.height] : [w, h];
  if (bw * bh > maxInputPixels) {
    const mp = (bw * bh) / 1e6;
    throw new AvatarError(
      'too-large',
      `That image is too large (${bw}×${bh}, ${mp >= 100 ? Math.round(mp) : mp.toFixed(1)} megapixels). ` +
        `Please send a photo of at most ${Math.floor(maxInputPixels / 1e6)} megapixels.`,
    );
  }
  const short = Math.min(w, h);
  if (short < MIN_SHORT_SIDE) {
    throw new AvatarError(
      'too-small',
      `That image is too small (${w}×${h} pixels). Please send a photo at least ${MIN_SHORT_SIDE} pixels on each side; ${LARGEST_SCALE_SIZE} or more looks best.`,
    );
  }
  const warnings: string[] = [];
  if (short < WARN_SHORT_SIDE) {
    warnings.push(
      `The photo is small (${w}×${h} pixels), so the profile image may look blurry; ${LARGEST_SCALE_SIZE}×${LARGEST_SCALE_SIZE} or more looks best.`,
    );
  }
  if (header.frames > 1) warnings.push('The image is animated; only its first frame was used.');
  return warnings;
}
