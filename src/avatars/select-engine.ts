/**
 * Which engine renders: jimp (always available) or sharp (optional dependency).
 *
 * Whether sharp loads is asked of an image worker thread (the warm task, render-job.ts), where
 * sharp runs; the main thread never loads it. (It used to, before any worker, after sharp's
 * old worker-thread advice: a worker's exit must not unload libvips. The sharp addon and
 * libvips are now linked with `-z nodelete`, so glibc never unloads them; docs/performance.md.)
 */
import { warmOnWorker } from './worker-pool.ts';

export type ImageEngineName = 'jimp' | 'sharp';

/** The worker's answer, kept once it has given one: sharp's load error, or undefined when it loads. */
let sharpAnswer: Promise<{ sharpError: string | undefined }> | undefined;

function askWorkerForSharp(): Promise<{ sharpError: string | undefined }> {
  sharpAnswer ??= warmOnWorker('sharp').then(
    (outcome) => ({ sharpError: outcome.engine === 'sharp' ? undefined : (outcome.sharpError ?? 'sharp did not load') }),
    (error: unknown) => {
      sharpAnswer = undefined; // the thread died or the pool closed: ask again next time
      throw error;
    },
  );
  return sharpAnswer;
}

/**
 * Resolve the `engine` option. 'auto' → sharp when it loads, else jimp; 'jimp' → jimp;
 * 'sharp' → sharp, or an Error naming the cause when it can't be loaded (a setup
 * problem, not the person's file). Asking starts the image worker pool (and warms its thread
 * with sharp); rejects with AvatarWorkerError if that thread dies.
 */
export async function selectEngine(requested: 'auto' | ImageEngineName = 'auto'): Promise<ImageEngineName> {
  if (requested === 'jimp') return 'jimp';
  const { sharpError } = await askWorkerForSharp();
  if (sharpError === undefined) return 'sharp';
  if (requested === 'auto') return 'jimp';
  throw new Error(
    `The sharp image engine was requested but can't be loaded (${sharpError}). ` + 'Install the optional dependency sharp, or set the engine to jimp or auto.',
  );
}

/** Engines that work in this installation: always 'jimp', plus 'sharp' when it loads. */
export async function availableEngines(): Promise<ImageEngineName[]> {
  return (await askWorkerForSharp()).sharpError === undefined ? ['jimp', 'sharp'] : ['jimp'];
}
