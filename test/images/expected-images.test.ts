/**
 * Walks ../shared/images/expected.json for every engine that loads here (jimp always,
 * sharp when the optional dependency is installed) and checks each file's outcome.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import exifr from 'exifr';
import { imageSize } from 'image-size';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AvatarError,
  avatarPipelineStats,
  avatarSide,
  availableEngines,
  closeAvatarWorkers,
  processAvatar,
  type AvatarResult,
  type ImageEngineName,
} from '../../src/avatars/index.ts';
import { watchLoop } from './loop-watch.ts';
import { decode, meanAbsDiff, meanRgb, thumbnail, transparentSamples, type Rgba } from './pixels.ts';

interface Expectation {
  outcome: 'accept' | 'refuse' | 'accept-or-refuse';
  display?: [number, number];
  sameAs?: string;
  kind?: string;
  fastMs?: number;
  check?: { meanRgb?: [number, number, number]; tolerance?: number; transparentNotDark?: boolean; noGps?: boolean };
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const imagesDir = resolve(projectRoot, '../shared/images');
const expectedPath = join(imagesDir, 'expected.json');
const haveShared = existsSync(expectedPath);
if (!haveShared) console.warn(`avatar expected-images test skipped: ${expectedPath} is absent (../shared not beside the project)`);

const expected: Record<string, Expectation> = haveShared ? JSON.parse(readFileSync(expectedPath, 'utf8')) : {};
const engines = await availableEngines();
/**
 * Output size for the walk: smaller than the 1024 default to keep encoding and the
 * test's own decoding cheap; the default size is covered by generated-images.test.ts.
 */
const WALK_SIZE = 512;
/** Files that take seconds with jimp: the main loop is watched while they are processed. */
const HEAVY = new Set(['large-jpeg-6000x6000-36MP.jpg', 'over-12MP-jpeg-4800x3600-progressive.jpg']);
const FORMAT_NAMES: Record<string, RegExp> = { webp: /webp/i, heic: /heic|heif/i, avif: /avif/i };

afterAll(async () => {
  await closeAvatarWorkers();
});

function read(name: string): Buffer {
  return readFileSync(join(imagesDir, name));
}

describe.skipIf(!haveShared)(
  haveShared ? 'shared images (expected.json)' : 'shared images (expected.json): SKIPPED, ../shared/images is absent',
  () => {
    if (!haveShared) {
      // reported as skipped, so the run says what is missing
      it(`needs ${expectedPath}`, () => {
        expect(haveShared).toBe(true);
      });
    }
    for (const engine of engines) {
      describe(`engine ${engine}`, () => {
        const results = new Map<string, Promise<AvatarResult>>();
        const processed = (name: string): Promise<AvatarResult> => {
          let p = results.get(name);
          if (!p) {
            p = processAvatar(read(name), { engine, size: WALK_SIZE });
            results.set(name, p);
          }
          return p;
        };
        const thumbnails = new Map<string, Promise<Rgba>>();
        const referenceThumbnail = (name: string): Promise<Rgba> => {
          let p = thumbnails.get(name);
          if (!p) {
            p = processed(name).then((r) => thumbnail(r.bytes, 32));
            thumbnails.set(name, p);
          }
          return p;
        };

        for (const [name, want] of Object.entries(expected)) {
          it(`${name}: ${want.outcome}${want.kind ? ` (${want.kind})` : ''}`, async () => {
            const jobsBefore = avatarPipelineStats().decodeJobsStarted;
            const { value: outcome, report } = await watchLoop(() =>
              processed(name).then(
                (result) => ({ result }),
                (error: unknown) => ({ error }),
              ),
            );

            if ('error' in outcome) {
              const error = outcome.error;
              expect(error, `${name} failed with a non-avatar error`).toBeInstanceOf(AvatarError);
              const avatarError = error as AvatarError;
              expect(want.outcome, `${name} was refused (${avatarError.kind}: ${avatarError.message})`).not.toBe('accept');
              if (want.kind) expect(avatarError.kind).toBe(want.kind);
              expect(avatarError.message.length).toBeGreaterThan(20);
              if (want.fastMs !== undefined) {
                // refused from the header alone: no pixels were decoded
                expect(avatarError.stage).toBe('header');
                expect(avatarPipelineStats().decodeJobsStarted).toBe(jobsBefore);
              }
              const ext = name.split('.').pop() ?? '';
              if (avatarError.kind === 'unsupported-format' && FORMAT_NAMES[ext]) {
                expect(avatarError.message).toMatch(FORMAT_NAMES[ext]!);
                expect(avatarError.message).toMatch(/JPEG or PNG/);
              }
              return;
            }

            const { result } = outcome;
            expect(want.outcome, `${name} was accepted but must be refused`).not.toBe('refuse');
            expect(result.engine).toBe(engine);
            const [dw, dh] = want.display ?? [0, 0];
            const side = avatarSide(dw, dh, WALK_SIZE, 'crop');
            expect([result.width, result.height]).toEqual([side, side]);
            expect(result.bytes.length).toBeGreaterThan(0);
            expect(result.bytes.length).toBeLessThan(10 * 1024 * 1024);
            const encoded = imageSize(result.bytes);
            expect([encoded.type, encoded.width, encoded.height]).toEqual([
              result.contentType === 'image/jpeg' ? 'jpg' : 'png',
              side,
              side,
            ]);
            expect(await exifr.orientation(result.bytes).catch(() => undefined)).toBeUndefined();

            if (want.sameAs && want.sameAs !== name) {
              const diff = meanAbsDiff(await thumbnail(result.bytes, 32), await referenceThumbnail(want.sameAs));
              expect(diff, `${name} should look like ${want.sameAs}`).toBeLessThan(3);
            }
            const check = want.check ?? {};
            if (check.meanRgb) {
              const tolerance = check.tolerance ?? 10;
              const mean = meanRgb(await decode(result.bytes));
              check.meanRgb.forEach((v, i) => expect(Math.abs((mean[i] ?? 0) - v)).toBeLessThanOrEqual(tolerance));
            }
            if (check.transparentNotDark) {
              const samples = transparentSamples(await decode(read(name)), await decode(result.bytes));
              expect(samples.length, 'the input should have transparent areas to check').toBeGreaterThan(0);
              for (const sample of samples) {
                expect(sample.actual, `alpha ${sample.alpha}`).toBeGreaterThan(sample.onWhite - 40);
                if (sample.alpha === 0) expect(sample.actual).toBeGreaterThan(200);
              }
            }
            if (check.noGps) {
              expect((await exifr.gps(read(name)))?.latitude, 'the input carries GPS').toBeTypeOf('number');
              expect(await exifr.gps(result.bytes).catch(() => undefined)).toBeUndefined();
              expect(result.bytes.includes(Buffer.from('Exif\0\0', 'latin1')), 'no EXIF block in the output').toBe(false);
            }
            if (engine === 'jimp' && HEAVY.has(name)) {
              // seconds of decoding in a worker: the main loop kept running meanwhile
              expect(report.ms).toBeGreaterThan(500);
              expect(report.ticks).toBeGreaterThan(10);
              expect(report.maxDelayMs).toBeLessThan(report.ms / 2);
            }
          });
        }
      });
    }
  },
);
