/**
 * Where the emulator decodes and resizes uploaded profile images: inline (the default, one
 * process, nothing to start) or on a worker thread (demo mode, where the emulator shares the
 * bot's process and a 12 MP decode would otherwise stall the bot's event loop for seconds).
 */
import { Piscina } from 'piscina';
import type { EmulatorState } from '../emulator-state.ts';
import type { ProfileImageRecord } from '../account-records.ts';
import { ApiError } from '../api-error.ts';
import { buildProfileImage } from './profile-image-processing.ts';

type WorkerAnswer =
  | { ok: true; record: { original: Uint8Array; contentType: ProfileImageRecord['contentType']; scales: Map<string, Uint8Array>; etag: string; lastModified: string } }
  | { ok: false; status: number; errorCode: string; message: string; parameterName?: string };

const offThread = new WeakSet<EmulatorState>();
let pool: Piscina<{ bytes: Uint8Array; lastModified: string }, WorkerAnswer> | undefined;

/** From now on this emulator builds profile images on a worker thread (see `closeProfileImageWorkers`). */
export function runProfileImagesOffThread(state: EmulatorState): void {
  offThread.add(state);
}

/** Ends the worker threads, if any were started (their current jobs finish first). */
export async function closeProfileImageWorkers(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}

function getPool(): NonNullable<typeof pool> {
  pool ??= new Piscina({
    filename: new URL('./profile-image-worker.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 30_000,
    atomics: 'disabled',
  });
  return pool;
}

/**
 * `buildProfileImage` (profile-image-processing.ts: same checks, errors and record) for
 * `state`, on a worker thread when `runProfileImagesOffThread(state)` was called, else inline.
 * Throws ApiError for an upload RingCentral would refuse.
 */
export async function buildProfileImageFor(state: EmulatorState, bytes: Buffer, lastModified: string): Promise<ProfileImageRecord> {
  if (!offThread.has(state)) return buildProfileImage(bytes, lastModified);
  const answer = await getPool().run({ bytes: new Uint8Array(bytes), lastModified });
  if (!answer.ok) throw new ApiError(answer.status, answer.errorCode, answer.message, answer.parameterName);
  const r = answer.record;
  const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    original: asBuffer(r.original),
    contentType: r.contentType,
    scales: new Map([...r.scales].map(([k, v]) => [k, asBuffer(v)])),
    etag: r.etag,
    lastModified: r.lastModified,
  };
}
