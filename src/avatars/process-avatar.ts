/**
 * Turn whatever a person attached into a profile image RingCentral accepts:
 * a square JPEG (or PNG) of at most `size` pixels, upright, with no metadata,
 * well under RingCentral's 12-megapixel (ACT-334) and 10 MB limits
 * (docs/ringcentral-notes.md §2.3, PUT .../profile-image).
 */
import { AvatarError, type AvatarErrorKind } from './avatar-error.ts';
import { AVATAR_DEFAULTS, MAX_SIZE, MIN_SIZE, avatarSide, checkByteBudget, flatDataAllowance, checkPixelBudget, type RenderPlan } from './avatar-plan.ts';
import { checkColourModel, inspectImageHeader } from './inspect-header.ts';
import { selectEngine, type ImageEngineName } from './select-engine.ts';
import { runOnWorker } from './worker-pool.ts';

export { AvatarError, AvatarQueueFullError, AvatarWorkerError } from './avatar-error.ts';
export { closeAvatarWorkers, configureAvatarWorkers, warmAvatarWorkers, avatarPipelineStats } from './worker-pool.ts';
export type { AvatarErrorKind, ImageEngineName };

/**
 * size: side of the square output in px (default 1024, 16..2048);
 * format: 'jpeg' (default; transparency flattened onto white) or 'png' (transparency kept);
 * fit: 'crop' (default: centre square) or 'pad' (whole picture on a square background);
 * maxInputBytes: refuse larger files (default 25 MiB);
 * maxInputPixels: refuse pictures with more pixels, judged from the header (default 50 000 000);
 * engine: 'auto' (default: sharp when it loads, else jimp), 'jimp' or 'sharp';
 * timeoutMs: a worker job running longer is stopped and the file refused (default 30 000 ms,
 * at most 2 147 483 647 ms; counted from submission, so time waiting for a thread counts).
 */
export interface AvatarOptions {
  size?: number;
  format?: 'jpeg' | 'png';
  fit?: 'crop' | 'pad';
  maxInputBytes?: number;
  maxInputPixels?: number;
  engine?: 'auto' | 'jimp' | 'sharp';
  timeoutMs?: number;
}

/** The profile image: encoded bytes, their content type, size in px, the engine used, and notes for the person. */
export interface AvatarResult {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  engine: ImageEngineName;
  warnings: string[];
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** Longest per-job timeout, ms: Node timers fire at once for anything longer (2^31 − 1). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value;
}

/**
 * Process one attached file into a profile image.
 * In: the file's bytes (any Uint8Array/Buffer; not modified) and AvatarOptions.
 * Out: AvatarResult. The type is decided from magic bytes only, sizes from the header
 * before any decoding; decoding runs on a worker thread.
 * Throws AvatarError (kind 'unsupported-format' | 'not-an-image' | 'corrupt' | 'too-large' |
 * 'too-small', with a message for the person), AvatarQueueFullError (a subclass of
 * AvatarWorkerError: every worker busy and the queue full; refused at once), AvatarWorkerError
 * (the worker died or the pool was closed), RangeError (bad options: a size outside 16..2048,
 * a non-positive budget, timeoutMs over 2147483647, an unknown format, fit or engine),
 * Error (engine 'sharp' requested but unavailable).
 */
export async function processAvatar(bytes: Uint8Array, options: AvatarOptions = {}): Promise<AvatarResult> {
  const size = positive('size', options.size, AVATAR_DEFAULTS.size);
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new RangeError(`size must be an integer from ${MIN_SIZE} to ${MAX_SIZE} pixels, got ${size}`);
  }
  const maxInputBytes = positive('maxInputBytes', options.maxInputBytes, AVATAR_DEFAULTS.maxInputBytes);
  const maxInputPixels = positive('maxInputPixels', options.maxInputPixels, AVATAR_DEFAULTS.maxInputPixels);
  const timeoutMs = positive('timeoutMs', options.timeoutMs, AVATAR_DEFAULTS.timeoutMs);
  if (timeoutMs > MAX_TIMEOUT_MS) throw new RangeError(`timeoutMs must be at most ${MAX_TIMEOUT_MS} ms, got ${timeoutMs}`);
  const fit = oneOf('fit', options.fit, ['crop', 'pad'] as const, AVATAR_DEFAULTS.fit);
  const format = oneOf('format', options.format, ['jpeg', 'png'] as const, 'jpeg');
  const requestedEngine = oneOf('engine', options.engine, ['auto', 'jimp', 'sharp'] as const, 'auto');

  checkByteBudget(bytes.byteLength, maxInputBytes);
  const header = inspectImageHeader(bytes);
  const warnings = checkPixelBudget(header, maxInputPixels);
  checkColourModel(header);

  const engine = await selectEngine(requestedEngine);
  const plan: RenderPlan = {
    engine,
    sourceFormat: header.format,
    format,
    fit,
    side: avatarSide(header.displayWidth, header.displayHeight, size, fit),
    maxInputPixels,
    jpegQuality: AVATAR_DEFAULTS.jpegQuality,
    imageDataBytes: header.imageDataBytes,
    flatDataAllowanceBytes: flatDataAllowance(header.width * header.height),
  };
  const copy = new Uint8Array(bytes); // the worker gets its own copy; the caller's buffer stays usable
  const outcome = await runOnWorker({ type: 'render', bytes: copy, plan }, timeoutMs, [copy.buffer]);
  if (!outcome.ok) {
    throw new AvatarError(outcome.kind, outcome.message, { stage: 'decode', cause: new Error(outcome.detail) });
  }
  return {
    bytes: Buffer.from(outcome.bytes.buffer, outcome.bytes.byteOffset, outcome.bytes.byteLength),
    contentType: outcome.contentType,
    width: outcome.side,
    height: outcome.side,
    engine,
    warnings: [...warnings, ...outcome.warnings],
  };
}
