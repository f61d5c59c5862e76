/**
 * The pool of image worker threads (piscina). Decoding never runs on the main event
 * loop; a job that runs past its timeout has its thread terminated and replaced, and a
 * thread that crashes fails only its own job.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AvatarError, AvatarQueueFullError, AvatarWorkerError } from './avatar-error.ts';
import type { MisbehaveTask, RenderOutcome, RenderTask, WarmOutcome, WorkerTask } from './render-job.ts';

/** Pool settings. threads: worker threads (default: cores − 1, 1..4); idleTimeoutMs: an idle thread above the first is stopped after this (ms, default 60 000); maxQueue: jobs that may wait for a thread; one more is refused at once with AvatarQueueFullError (default 64). */
export interface AvatarWorkerSettings {
  threads?: number;
  idleTimeoutMs?: number;
  maxQueue?: number;
}

/** Counters for tests and diagnostics (monotonic within the process). */
export interface AvatarPipelineStats {
  /** jobs handed to a worker (i.e. files whose pixels were decoded or attempted) */
  decodeJobsStarted: number;
  /** jobs whose thread was terminated for running past its timeout */
  timeouts: number;
  /** jobs whose thread died (crash, exit, closed pool) */
  workerFailures: number;
  /** jobs refused at once because the pool's threads and queue were full */
  queueFull: number;
}

const stats: AvatarPipelineStats = { decodeJobsStarted: 0, timeouts: 0, workerFailures: 0, queueFull: 0 };
let settings: AvatarWorkerSettings = {};
let pool: Piscina<WorkerTask, RenderOutcome | WarmOutcome> | undefined;
/** Jobs handed to the current pool and not yet settled (running or waiting). */
let inFlight = 0;
/** Most jobs the current pool takes at once: its threads plus `maxQueue` waiting. */
let capacity = 0;

/** Default `maxQueue`: jobs that may wait for a thread before new ones are refused. */
export const DEFAULT_MAX_QUEUE = 64;

/** A snapshot of the pipeline counters. */
export function avatarPipelineStats(): AvatarPipelineStats {
  return { ...stats };
}

/** Default worker count for this machine: cores − 1, at least 1, at most 4. */
export function defaultWorkerThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function getPool(): Piscina<WorkerTask, RenderOutcome | WarmOutcome> {
  if (pool) return pool;
  const threads = Math.max(1, Math.floor(settings.threads ?? defaultWorkerThreads()));
  const maxQueue = Math.max(0, Math.floor(settings.maxQueue ?? DEFAULT_MAX_QUEUE));
  // piscina's own maxQueue does not apply to tasks that carry an AbortSignal (it parks them in
  // an unbounded side queue), and every job here carries one for its timeout; so the bound is
  // kept by runOnWorker with `inFlight` / `capacity`.
  capacity = threads + maxQueue;
  inFlight = 0;
  pool = new Piscina<WorkerTask, RenderOutcome | WarmOutcome>({
    filename: new URL('./avatar-worker.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: settings.idleTimeoutMs ?? 60_000,
    atomics: 'disabled',
  });
  // A thread that dies outside a job (e.g. while starting) is reported here; without a
  // listener the 'error' event would take the whole process down. Its job, if any, fails
  // on its own promise and piscina starts a replacement thread.
  pool.on('error', () => {
    stats.workerFailures++;
  });
  return pool;
}

/**
 * Change pool settings. Takes effect for the next pool: a running pool is closed first
 * (its jobs finish). Call before the first processAvatar, e.g. from main.ts with Config.
 */
export async function configureAvatarWorkers(next: AvatarWorkerSettings): Promise<void> {
  settings = { ...next };
  await closeAvatarWorkers();
}

/**
 * Has a worker thread load `engine` ('auto': sharp when it loads, else jimp) and the render
 * code, and says what it loaded (render-job.ts `warmEngine`). Starts the pool if needed.
 * Rejects only when the thread dies or the pool is closed.
 */
export async function warmOnWorker(engine: 'auto' | 'jimp' | 'sharp'): Promise<WarmOutcome> {
  return (await getPool().run({ type: 'warm', engine } satisfies WorkerTask)) as WarmOutcome;
}

/**
 * Starts the thread the pool keeps at idle (`minThreads`, one) now and has it load `engine`
 * and the render code, so the first photo after a start doesn't wait for a thread, a module
 * load or sharp's native library. Threads above that one start when photos arrive together
 * and stop again after `idleTimeoutMs`: each costs ~12 MB of memory (an isolate plus its
 * modules), which an idle bot doesn't spend (docs/performance.md). Resolves when the thread
 * is warm; never rejects (a thread that can't warm up is replaced on the first real job).
 */
export async function warmAvatarWorkers(engine: 'auto' | 'jimp' | 'sharp'): Promise<void> {
  const threads = getPool().options.minThreads;
  await Promise.allSettled(Array.from({ length: threads }, () => warmOnWorker(engine)));
}

/**
 * Shut the pool down: queued jobs are cancelled, running jobs finish, threads exit.
 * Safe to call more than once; a later processAvatar starts a new pool.
 * Call on SIGTERM and in tests' afterAll.
 */
export async function closeAvatarWorkers(): Promise<void> {
  const current = pool;
  pool = undefined;
  if (current) await current.close({ force: true });
}

/**
 * Run one task on a worker thread. `timeoutMs` (1..2147483647 ms) counts from submission.
 * Throws AvatarQueueFullError at once when the pool already holds `threads + maxQueue` jobs
 * (nothing is queued then), AvatarError('too-large') on timeout (the thread is terminated and
 * replaced), AvatarWorkerError when the thread dies or the pool is closed.
 */
export async function runOnWorker(task: RenderTask | MisbehaveTask, timeoutMs: number, transferList?: ArrayBuffer[]): Promise<RenderOutcome> {
  const current = getPool();
  if (inFlight >= capacity) {
    stats.queueFull++;
    throw new AvatarQueueFullError(
      `The image workers are busy (${capacity} photos already being processed or waiting). Please try again in a minute.`,
    );
  }
  if (task.type === 'render') stats.decodeJobsStarted++;
  inFlight++;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return (await current.run(task, { signal: controller.signal, ...(transferList ? { transferList } : {}) })) as RenderOutcome;
  } catch (error) {
    if (timedOut) {
      stats.timeouts++;
      throw new AvatarError(
        'too-large',
        `Processing that photo took too long (over ${Math.round(timeoutMs / 1000)} s). Please send a smaller JPEG or PNG.`,
        { stage: 'decode', cause: error },
      );
    }
    stats.workerFailures++;
    throw new AvatarWorkerError(`The image worker failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    // A job of a pool that has since been closed and replaced doesn't count against the new one.
    if (pool === current) inFlight--;
  }
}
