/**
 * Decide what a file is from its first bytes and read its size from the header,
 * without decoding a single pixel. Everything here is cheap (microseconds to a few
 * milliseconds even for a 500 KB decompression bomb), so budgets are enforced before
 * any decoder sees the bytes.
 */
import { imageSize } from 'image-size';
import { AvatarError, avatarMessages } from './avatar-error.ts';

/** Formats the pipeline decodes (WebP, AVIF and HEIC through WebAssembly decoders). */
export type DecodableFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'heic' | 'avif';
/** Formats recognised from their magic bytes but refused with a named reason. */
export type RecognisedFormat = DecodableFormat | 'webp' | 'heic' | 'avif' | 'bmp' | 'tiff';

/** What the header says, before decoding. Pixel sizes are as stored (before EXIF orientation). */
export interface ImageHeader {
  format: DecodableFormat;
  /** stored width and height in pixels */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (JPEG only; missing, 0 or invalid counts as 1) */
  orientation: number;
  /** width and height after applying the orientation (what a person sees) */
  displayWidth: number;
  displayHeight: number;
  /** number of frames when the format says (GIF: counted up to 2; APNG: acTL), else 1 */
  frames: number;
  /** the format can carry transparency (PNG with alpha/tRNS, GIF); a hint, not a promise */
  mayHaveAlpha: boolean;
  /** bytes of compressed pixel data (JPEG: from the first scan on; PNG: all IDAT; GIF: the whole file) */
  imageDataBytes: number;
  /** JPEG only: colour components in the frame (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK) */
  components?: number;
  /** JPEG only: Adobe APP14 transform flag (0 none, 1 YCbCr, 2 YCCK), when present */
  adobeTransform?: number;
  /**
   * GIF only: the first frame's own size in pixels (its image descriptor). Decoders walk every
   * pixel of it even when it is far larger than the logical screen, so the pixel budget counts it.
   */
  firstFrame?: { width: number; height: number };
}

const END_OF_IMAGE = Buffer.from([0xff, 0xd9]);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, start: number, length: number): string {
  if (start + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

function u32be(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) >>> 0) + (((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0));
}

function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

/**
 * Name the format from magic bytes only (never a file name or Content-Type).
 * Returns null when the bytes match no image format we know.
 */
export function sniffImageFormat(bytes: Uint8Array): RecognisedFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  const gif = ascii(bytes, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (ascii(bytes, 4, 4) === 'ftyp') {
    const boxSize = u32be(bytes, 0);
    const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16);
    const brands = [ascii(bytes, 8, 4)];
    for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(bytes, i, 4));
    if (brands.includes('avif') || brands.includes('avis')) return 'avif';
    if (brands.some((b) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(b))) return 'heic';
    return null;
  }
  if (bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  const tiff = ascii(bytes, 0, 4);
  if (tiff === 'II*\0' || tiff === 'MM\0*') return 'tiff';
  return null;
}

const REFUSED_FORMAT_MESSAGES: Record<Exclude<RecognisedFormat, DecodableFormat>, string> = {
  bmp: "BMP images aren't supported. Please send the picture as a JPEG or PNG instead.",
  tiff: "TIFF images aren't supported. Please send the picture as a JPEG or PNG instead.",
};

function corrupt(detail?: string): AvatarError {
  return new AvatarError('corrupt', avatarMessages.corrupt, detail ? { cause: new Error(detail) } : undefined);
}

interface JpegFacts {
  imageDataBytes: number;
  width: number;
  height: number;
  components: number;
  adobeTransform?: number;
}

/** Walk JPEG marker segments up to the first scan; needs a frame header (SOFn). */
function readJpegFacts(b: Uint8Array): JpegFacts {
  let i = 2;
  let sof: { width: number; height: number; components: number } | undefined;
  let adobeTransform: number | undefined;
  let scanStart = b.length;
  while (i < b.length) {
    if (b[i] !== 0xff) {
      // A damaged segment (e.g. a bad EXIF length): resynchronise on the next marker, as decoders do.
      while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0x00 && b[i + 1] !== 0xff)) i++;
      if (i + 1 >= b.length) break;
    }
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    const marker = b[i];
    i++;
    if (marker === undefined) break;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9) break; // EOI before any scan
    if (i + 2 > b.length) break;
    const length = u16be(b, i);
    if (length < 2 || i + length > b.length) throw corrupt(`JPEG segment 0x${marker.toString(16)} runs past the end`);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (length < 8) throw corrupt('JPEG frame header too short');
      sof = { height: u16be(b, i + 3), width: u16be(b, i + 5), components: b[i + 7] ?? 0 };
    } else if (marker === 0xee && length >= 14 && ascii(b, i + 2, 5) === 'Adobe') {
      adobeTransform = b[i + 13];
    } else if (marker === 0xda) {
      scanStart = i;
      break; // start of scan: header is over
    }
    i += length;
  }
  if (!sof) throw corrupt('JPEG without a frame header');
  if (sof.width === 0 || sof.height === 0) throw corrupt('JPEG frame header with zero size');
  if (scanStart >= b.length) throw corrupt('JPEG without image data (no scan)');
  // Entropy-coded data never contains FF D9 (FF is stuffed as FF 00), so its absence
  // after the first scan means the file was cut short.
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (view.indexOf(END_OF_IMAGE, scanStart) < 0) throw corrupt('JPEG without an end-of-image marker (truncated)');
  const imageDataBytes = b.length - scanStart;
  return adobeTransform === undefined ? { ...sof, imageDataBytes } : { ...sof, adobeTransform, imageDataBytes };
}

interface PngFacts {
  imageDataBytes: number;
  width: number;
  height: number;
  frames: number;
  mayHaveAlpha: boolean;
}

/**
 * Check PNG chunk structure without inflating anything: IHDR first, every chunk inside
 * the file, at least one IDAT. Apple's CgBI variant is named and refused.
 */
function readPngFacts(b: Uint8Array): PngFacts {
  const firstType = ascii(b, 12, 4);
  if (firstType === 'CgBI') {
    throw new AvatarError(
      'unsupported-format',
      "This PNG is in Apple's iPhone-optimised variant (CgBI), which can't be read here. Please send a normal PNG or a JPEG.",
    );
  }
  if (b.length < 33 || firstType !== 'IHDR' || u32be(b, 8) !== 13) {
    throw new AvatarError('not-an-image', avatarMessages.notAnImage, { cause: new Error('PNG without a valid IHDR') });
  }
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const colourType = b[25] ?? 0;
  if (width === 0 || height === 0) throw corrupt('PNG with zero size');
  let mayHaveAlpha = colourType === 4 || colourType === 6;
  let frames = 1;
  let idat = 0;
  let imageDataBytes = 0;
  let sawEnd = false;
  let i = 8;
  while (i + 8 <= b.length) {
    const length = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    if (i + 12 + length > b.length) throw corrupt(`PNG chunk ${type} runs past the end`);
    if (type === 'IDAT') {
      idat++;
      imageDataBytes += length;
    }
    else if (type === 'tRNS') mayHaveAlpha = true;
    else if (type === 'acTL' && length >= 8) frames = Math.max(1, u32be(b, i + 8));
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    i += 12 + length;
  }
  if (idat === 0) throw corrupt('PNG without image data (no IDAT)');
  if (!sawEnd) throw corrupt('PNG without an end chunk');
  return { width, height, frames, mayHaveAlpha, imageDataBytes };
}

/** Count GIF frames (stops at 2) by skipping blocks, and read the first frame's size; no LZW decoding. */
function countGifFrames(b: Uint8Array): { frames: number; firstFrame: { width: number; height: number } } {
  const flags = b[10] ?? 0;
  let i = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 0x07) + 1)) : 0);
  let frames = 0;
  let firstFrame = { width: 0, height: 0 };
  const skipSubBlocks = (): void => {
    while (i < b.length) {
      const size = b[i] ?? 0;
      i += 1 + size;
      if (size === 0) return;
    }
  };
  while (i < b.length && frames < 2) {
    const introducer = b[i];
    if (introducer === 0x3b) break; // trailer
    if (introducer === 0x21) {
      i += 2;
      skipSubBlocks();
    } else if (introducer === 0x2c) {
      if (frames === 0) {
        if (i + 9 >= b.length) throw corrupt('GIF image descriptor cut short');
        firstFrame = { width: u16le(b, i + 5), height: u16le(b, i + 7) };
      }
      frames++;
      const localFlags = b[i + 9] ?? 0;
      i += 10 + (localFlags & 0x80 ? 3 * (1 << ((localFlags & 0x07) + 1)) : 0);
      i += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      break; // unknown block: let the decoder decide
    }
  }
  if (frames === 0) throw corrupt('GIF without any image');
  return { frames, firstFrame };
}

const FORMAT_LABEL = { webp: 'WebP', heic: 'HEIC/HEIF', avif: 'AVIF' } as const;

/**
 * WebP, HEIC/HEIF and AVIF: the size comes from image-size (WebP VP8/VP8L/VP8X headers,
 * the HEIF 'ispe' property). An animated WebP is refused: the WebP decoder used here
 * reads still images only.
 */
function readContainerFacts(
  b: Uint8Array,
  format: 'webp' | 'heic' | 'avif',
): { width: number; height: number; frames: number; mayHaveAlpha: boolean } {
  let mayHaveAlpha = format !== 'heic';
  if (format === 'webp') {
    const riffEnd = 8 + (u16le(b, 4) + u16le(b, 6) * 65536);
    if (riffEnd > b.length) throw corrupt('WebP cut short (RIFF size beyond the end)');
    if (ascii(b, 12, 4) === 'VP8X') {
      const flags = b[20] ?? 0;
      if (flags & 0x02) {
        throw new AvatarError(
          'unsupported-format',
          "Animated WebP images aren't supported. Please send a still picture as a JPEG or PNG instead.",
        );
      }
      mayHaveAlpha = (flags & 0x10) !== 0;
    } else if (ascii(b, 12, 4) === 'VP8 ') {
      mayHaveAlpha = false;
    }
  }
  let size;
  try {
    size = imageSize(b);
  } catch (error) {
    throw new AvatarError('corrupt', avatarMessages.corrupt, {
      cause: new Error(`${FORMAT_LABEL[format]} header unreadable: ${error instanceof Error ? error.message : String(error)}`),
    });
  }
  if (!size.width || !size.height) throw corrupt(`${FORMAT_LABEL[format]} without a size`);
  return { width: size.width, height: size.height, frames: 1, mayHaveAlpha };
}

function jpegOrientation(bytes: Uint8Array): number {
  try {
    const o = imageSize(bytes).orientation;
    return o !== undefined && Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1;
  } catch {
    return 1; // a broken EXIF block: the pixels may still be fine
  }
}

/**
 * Identify the file and read its header.
 * In: the raw file bytes. Out: ImageHeader (sizes in pixels).
 * Throws AvatarError: 'not-an-image' (no known signature, or a PNG without a proper header),
 * 'unsupported-format' (BMP, TIFF, animated WebP, Apple CgBI PNG, CMYK; the message names it),
 * 'corrupt' (a JPEG without a frame header or cut short before its end marker, segments/chunks past the end, a PNG without image data).
 * Budgets are not checked here; see checkBudgets.
 */
export function inspectImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffImageFormat(bytes);
  if (format === null) throw new AvatarError('not-an-image', avatarMessages.notAnImage);
  if (format === 'bmp' || format === 'tiff') {
    throw new AvatarError('unsupported-format', REFUSED_FORMAT_MESSAGES[format]);
  }
  let width: number;
  let height: number;
  let orientation = 1;
  let frames = 1;
  let mayHaveAlpha = false;
  let imageDataBytes = bytes.length;
  let extra: Pick<ImageHeader, 'components' | 'adobeTransform' | 'firstFrame'> = {};
  if (format === 'jpeg') {
    const facts = readJpegFacts(bytes);
    ({ width, height, imageDataBytes } = facts);
    extra =
      facts.adobeTransform === undefined
        ? { components: facts.components }
        : { components: facts.components, adobeTransform: facts.adobeTransform };
    orientation = jpegOrientation(bytes);
  } else if (format === 'png') {
    ({ width, height, frames, mayHaveAlpha, imageDataBytes } = readPngFacts(bytes));
  } else if (format === 'webp' || format === 'heic' || format === 'avif') {
    ({ width, height, frames, mayHaveAlpha } = readContainerFacts(bytes, format));
  } else {
    if (bytes.length < 14) throw corrupt('GIF header cut short');
    width = u16le(bytes, 6);
    height = u16le(bytes, 8);
    if (width === 0 || height === 0) throw corrupt('GIF with zero size');
    mayHaveAlpha = true;
    const gifFacts = countGifFrames(bytes);
    frames = gifFacts.frames;
    extra = { firstFrame: gifFacts.firstFrame };
  }
  const swap = orientation >= 5;
  return {
    format,
    width,
    height,
    orientation,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    frames,
    mayHaveAlpha,
    imageDataBytes,
    ...extra,
  };
}

/**
 * Refuse colour encodings that decode to visibly wrong colours.
 * A 4-component JPEG is accepted only as YCCK (Adobe transform 2), which both engines
 * decode correctly; plain CMYK (transform 0, or no Adobe marker) is refused, because
 * inverted/uninverted CMYK can't be told apart reliably (docs/ringcentral-notes.md §9.3).
 * Throws AvatarError('unsupported-format').
 */
export function checkColourModel(header: ImageHeader): void {
  if (header.format !== 'jpeg' || header.components !== 4) return;
  if (header.adobeTransform === 2) return;
  throw new AvatarError('unsupported-format', avatarMessages.cmyk);
}
