/**
 * Self-contained pipeline tests: every input is generated here (jimp + hand-made EXIF and
 * headers), so these run with or without ../shared.
 */
import exifr from 'exifr';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AvatarError,
  avatarPipelineStats,
  availableEngines,
  closeAvatarWorkers,
  inspectImageHeader,
  processAvatar,
  selectEngine,
} from '../../src/avatars/index.ts';
import { checkColourModel } from '../../src/avatars/inspect-header.ts';
import { flatDataAllowance } from '../../src/avatars/avatar-plan.ts';
import {
  BLUE,
  GREEN,
  RED,
  YELLOW,
  animatedWebpHeader,
  cmykJpegHeader,
  exifOrientationSegment,
  gifWithFrames,
  noisy,
  painted,
  pngBomb,
  pngChunkWithCrc,
  quadrants,
  storedFor,
  toJpeg,
  toPng,
  toWebp,
  withChunkAfterIhdr,
  withExif,
  type Colour,
} from './make-images.ts';
import { decode, pixel, type Rgba } from './pixels.ts';

const engines = await availableEngines();

const jpegCache = new Map<string, Promise<Buffer>>();
/** quadrants(w, h) as JPEG, encoded once per size for the whole file (encoding big ones with jimp is slow). */
function quadrantJpeg(w: number, h: number): Promise<Buffer> {
  const key = `${w}x${h}`;
  let file = jpegCache.get(key);
  if (!file) {
    file = toJpeg(quadrants(w, h));
    jpegCache.set(key, file);
  }
  return file;
}

afterAll(async () => {
  await closeAvatarWorkers();
});

function expectColour(img: Rgba, x: number, y: number, want: Colour, tolerance = 40): void {
  const got = pixel(img, x, y);
  for (let c = 0; c < 3; c++) {
    expect(Math.abs(got[c]! - want[c]!), `pixel (${x},${y}) is ${got.join(',')}, want ${want.join(',')}`).toBeLessThanOrEqual(
      tolerance,
    );
  }
}

async function refusal(promise: Promise<unknown>): Promise<AvatarError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AvatarError);
  return error as AvatarError;
}

describe.each(engines)('engine %s', (engine) => {
  it('turns every EXIF orientation (0 counts as 1) upright', async () => {
    const upright = quadrants(120, 80);
    for (const orientation of [0, 1, 2, 3, 4, 5, 6, 7, 8]) {
      const stored = storedFor(upright, orientation === 0 ? 1 : orientation);
      const file = withExif(await toJpeg(stored), exifOrientationSegment(orientation));
      expect(await exifr.orientation(file)).toBe(orientation);

      const result = await processAvatar(file, { engine, size: 64 });
      expect([result.width, result.height]).toEqual([64, 64]);
      expect(await exifr.orientation(result.bytes).catch(() => undefined)).toBeUndefined();
      const out = await decode(result.bytes);
      // centre 80×80 of the upright 120×80 picture: red | green over blue | yellow
      expectColour(out, 16, 16, RED);
      expectColour(out, 48, 16, GREEN);
      expectColour(out, 16, 48, BLUE);
      expectColour(out, 48, 48, YELLOW);
    }
  });

  it('flattens transparency onto white for JPEG and keeps it for PNG', async () => {
    // left half fully transparent *black*: a naive JPEG encode turns it black
    const logo = painted(64, 64, (x) => (x < 32 ? [0, 0, 0, 0] : BLUE));
    const file = await toPng(logo);

    const jpeg = await processAvatar(file, { engine, size: 64 });
    expect(jpeg.contentType).toBe('image/jpeg');
    const flat = await decode(jpeg.bytes);
    for (const y of [4, 32, 60]) {
      expectColour(flat, 8, y, [255, 255, 255, 255], 12);
      expectColour(flat, 56, y, BLUE, 30);
    }

    const png = await processAvatar(file, { engine, size: 64, format: 'png' });
    expect(png.contentType).toBe('image/png');
    const kept = await decode(png.bytes);
    expect(pixel(kept, 8, 32)[3]).toBe(0);
    expect(pixel(kept, 56, 32)[3]).toBe(255);
  });

  it('converts a WebP with transparency', async () => {
    const logo = painted(64, 48, (x) => (x < 32 ? [0, 0, 0, 0] : BLUE));
    const file = await toWebp(logo);
    expect(file.subarray(8, 12).toString('latin1')).toBe('WEBP');
    const result = await processAvatar(file, { engine, size: 48 });
    expect([result.width, result.contentType]).toEqual([48, 'image/jpeg']);
    const out = await decode(result.bytes);
    // centre 48×48 of 64×48: x 8..56 of the input, so the left third is transparent, the right third blue
    expectColour(out, 6, 24, [255, 255, 255, 255], 12);
    expectColour(out, 42, 24, BLUE, 30);
  });

  it('uses the default image of an animated PNG and says the animation was dropped', async () => {
    const png = await toPng(quadrants(240, 200));
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(2, 0);
    const apng = withChunkAfterIhdr(png, pngChunkWithCrc('acTL', actl));
    const result = await processAvatar(apng, { engine, size: 64 });
    expect(result.width).toBe(64);
    expect(result.warnings.join(' ')).toMatch(/animated/);
    const out = await decode(result.bytes);
    expectColour(out, 16, 16, RED);
    expectColour(out, 48, 48, YELLOW);
  });

  it('sizes: refuses under 16 px, warns under 200 px, enlarges only up to 584 px, caps at the size (default 1024)', async () => {
    const jobs = avatarPipelineStats().decodeJobsStarted;
    const tiny = await refusal(processAvatar(await toPng(noisy(10, 40)), { engine }));
    expect(tiny.kind).toBe('too-small');
    expect(tiny.stage).toBe('header');
    expect(avatarPipelineStats().decodeJobsStarted).toBe(jobs);

    const small = await processAvatar(await toPng(noisy(16, 16)), { engine });
    expect(small.width).toBe(584);
    expect(small.warnings.join(' ')).toMatch(/small \(16×16/);

    const medium = await processAvatar(await quadrantJpeg(300, 200), { engine });
    expect([medium.width, medium.height]).toEqual([584, 584]);
    expect(medium.warnings).toEqual([]);

    const between = await processAvatar(await quadrantJpeg(1500, 1000), { engine });
    expect(between.width).toBe(1000); // over 584 already: kept, not enlarged

    const large = await processAvatar(await quadrantJpeg(2200, 1100), { engine });
    expect([large.width, large.height, large.contentType]).toEqual([1024, 1024, 'image/jpeg']);
    expect(large.warnings).toEqual([]);

    const custom = await processAvatar(await quadrantJpeg(2200, 1100), { engine, size: 256 });
    expect(custom.width).toBe(256);
  });

  it("pads instead of cropping when fit is 'pad'", async () => {
    const result = await processAvatar(await quadrantJpeg(300, 150), { engine, fit: 'pad' });
    expect(result.width).toBe(584);
    const out = await decode(result.bytes);
    expectColour(out, 292, 40, [255, 255, 255, 255], 12); // band above the picture
    expectColour(out, 292, 544, [255, 255, 255, 255], 12); // band below
    expectColour(out, 100, 200, RED);
    expectColour(out, 480, 380, YELLOW);
  });

  it('refuses a flat-colour decode from a file full of pixel data, accepts a genuinely flat picture', async () => {
    const grey = painted(600, 600, () => [128, 128, 128, 255]);
    const stored = await toPng(grey, 0); // zlib "stored" blocks: ~1.4 MB that decode to one colour
    expect(stored.length).toBeGreaterThan(flatDataAllowance(600 * 600));
    const error = await refusal(processAvatar(stored, { engine }));
    expect([error.kind, error.stage]).toEqual(['corrupt', 'decode']);

    const compact = await toPng(grey); // the same picture, compressed as usual
    const ok = await processAvatar(compact, { engine });
    expect(ok.width).toBe(600);
  });
});

describe('before decoding (no worker job)', () => {
  it('refuses decompression bombs and over-budget files from the header', async () => {
    const jobs = avatarPipelineStats().decodeJobsStarted;
    const bomb = await refusal(processAvatar(pngBomb(100_000, 100_000)));
    expect([bomb.kind, bomb.stage]).toEqual(['too-large', 'header']);
    expect(bomb.message).toContain('100000×100000');

    const overPixels = await refusal(processAvatar(await quadrantJpeg(300, 200), { maxInputPixels: 50_000 }));
    expect(overPixels.kind).toBe('too-large');
    const overBytes = await refusal(processAvatar(await quadrantJpeg(300, 200), { maxInputBytes: 1000 }));
    expect(overBytes.kind).toBe('too-large');
    expect(avatarPipelineStats().decodeJobsStarted).toBe(jobs);
  });

  it('decides the type from magic bytes only', async () => {
    for (const junk of [
      Buffer.from('{"format":"WEBP","ok":true}'),
      Buffer.from('<!doctype html><html><body>Sign in</body></html>'),
      Buffer.alloc(0),
    ]) {
      expect((await refusal(processAvatar(junk))).kind).toBe('not-an-image');
    }
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    const tiff = Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(60)]);
    for (const [bytes, name] of [
      [bmp, /BMP/],
      [tiff, /TIFF/],
      [animatedWebpHeader(), /Animated WebP/],
    ] as const) {
      const error = await refusal(processAvatar(bytes));
      expect([error.kind, error.stage]).toEqual(['unsupported-format', 'header']);
      expect(error.message).toMatch(name);
      expect(error.message).toMatch(/JPEG or PNG/);
    }
  });

  it('reads animation and variants from the header', async () => {
    expect(inspectImageHeader(gifWithFrames(40, 30, 1))).toMatchObject({ format: 'gif', width: 40, height: 30, frames: 1 });
    expect(inspectImageHeader(gifWithFrames(40, 30, 3)).frames).toBe(2); // counting stops at 2: "animated"

    const png = await toPng(noisy(40, 30));
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(5, 0); // frames
    const apng = withChunkAfterIhdr(png, pngChunkWithCrc('acTL', actl));
    expect(inspectImageHeader(apng)).toMatchObject({ format: 'png', width: 40, height: 30, frames: 5 });

    const cgbi = Buffer.concat([png.subarray(0, 8), pngChunkWithCrc('CgBI', Buffer.from([0x50, 0, 0x20, 2])), png.subarray(8)]);
    const error = await refusal(processAvatar(cgbi));
    expect([error.kind, error.stage]).toEqual(['unsupported-format', 'header']);
    expect(error.message).toMatch(/CgBI/);
  });

  it('refuses plain CMYK, lets YCCK through', async () => {
    const cmyk = await refusal(processAvatar(cmykJpegHeader(0)));
    expect([cmyk.kind, cmyk.stage]).toEqual(['unsupported-format', 'header']);
    expect(cmyk.message).toMatch(/CMYK/);
    const ycck = inspectImageHeader(cmykJpegHeader(2));
    expect([ycck.components, ycck.adobeTransform]).toEqual([4, 2]);
    expect(() => checkColourModel(ycck)).not.toThrow();
  });

  it('refuses a JPEG cut short as corrupt', async () => {
    const whole = await toJpeg(noisy(200, 200));
    const error = await refusal(processAvatar(whole.subarray(0, Math.floor(whole.length / 2))));
    expect([error.kind, error.stage]).toEqual(['corrupt', 'header']);
  });
});

describe('options and engines', () => {
  it("'auto' picks sharp when it loads, else jimp; the caller's buffer stays usable", async () => {
    const file = await quadrantJpeg(300, 200);
    const before = Buffer.from(file);
    const result = await processAvatar(file);
    expect(result.engine).toBe(await selectEngine('auto'));
    expect(result.engine).toBe(engines.includes('sharp') ? 'sharp' : 'jimp');
    expect(file.equals(before)).toBe(true);
  });

  it('rejects bad options with RangeError', async () => {
    const file = await quadrantJpeg(300, 200);
    await expect(processAvatar(file, { size: 8 })).rejects.toBeInstanceOf(RangeError);
    await expect(processAvatar(file, { size: 4096 })).rejects.toBeInstanceOf(RangeError);
    await expect(processAvatar(file, { timeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});
