/**
 * The task the image worker runs: decode, orient, flatten, crop/pad, resize, check, encode.
 * Loaded only inside worker threads (see avatar-worker.mjs). Never throws for a bad image:
 * it returns `{ ok: false, kind, message }`, because class and extra fields of an Error
 * don't survive the trip back to the main thread.
 */
import { avatarMessages, type AvatarErrorKind } from './avatar-error.ts';
import { MAX_OUTPUT_BYTES, type RenderPlan } from './avatar-plan.ts';
import type { AvatarEngine } from './engines/rendered-pixels.ts';
import { isSingleFlatColour } from './engines/rendered-pixels.ts';

/** One image to render. `bytes` is transferred to the worker, not copied. */
export interface RenderTask {
  type: 'render';
  bytes: Uint8Array;
  plan: RenderPlan;
}

/** Test and diagnostics only: make the worker crash or hang, to prove the pool recovers. */
export interface MisbehaveTask {
  type: 'misbehave';
  action: 'crash' | 'hang';
}

/**
 * Loads an engine (and the render code) so the first photo doesn't pay for it, and reports
 * which one loaded: 'auto' is sharp when it loads here, else jimp. This is also how the main
 * thread learns whether sharp works without loading it itself (select-engine.ts).
 */
export interface WarmTask {
  type: 'warm';
  engine: 'auto' | RenderPlan['engine'];
}

/** What a warm task loaded; `sharpError` says why sharp didn't load when it was asked for (engine then 'jimp', or undefined for 'sharp'). */
export interface WarmOutcome {
  engine: RenderPlan['engine'] | undefined;
  sharpError?: string;
}

export type WorkerTask = RenderTask | MisbehaveTask | WarmTask;

export type RenderOutcome =
  | {
      ok: true;
      bytes: Uint8Array;
      contentType: 'image/jpeg' | 'image/png';
      side: number;
      warnings: string[];
    }
  | { ok: false; kind: AvatarErrorKind; message: string; detail: string };

async function loadEngine(name: RenderPlan['engine']): Promise<AvatarEngine> {
  if (name === 'sharp') {
    const { loadSharp, sharpEngine } = await import('./engines/sharp-engine.ts');
    await loadSharp(); // a load failure is the worker's problem, not a corrupt file
    return sharpEngine;
  }
  return (await import('./engines/jimp-engine.ts')).jimpEngine;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Render one avatar. In: RenderTask (bytes already sniffed and within budget).
 * Out: RenderOutcome; a decoder failure or a single-flat-colour result is 'corrupt'.
 */
export async function renderAvatar(task: RenderTask): Promise<RenderOutcome> {
  const { plan } = task;
  const engine = await loadEngine(plan.engine);
  let bitmap;
  try {
    bitmap = await engine.render(task.bytes, plan);
  } catch (error) {
    return { ok: false, kind: 'corrupt', message: avatarMessages.corrupt, detail: describe(error) };
  }
  if (plan.imageDataBytes > plan.flatDataAllowanceBytes && isSingleFlatColour(bitmap.data)) {
    return { ok: false, kind: 'corrupt', message: avatarMessages.flat, detail: 'decoded to a single flat colour' };
  }
  const warnings: string[] = [];
  let format = plan.format;
  let bytes = await engine.encode(bitmap, format, plan.jpegQuality);
  if (bytes.byteLength > MAX_OUTPUT_BYTES && format === 'png') {
    format = 'jpeg';
    warnings.push('The PNG would have been over 10 MB, so the profile image was saved as JPEG on white.');
    const flattened = Uint8Array.from(bitmap.data);
    (await import('./engines/rendered-pixels.ts')).flattenOntoWhite(flattened);
    bytes = await engine.encode({ data: flattened, side: bitmap.side }, format, plan.jpegQuality);
  }
  return {
    ok: true,
    bytes,
    contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
    side: bitmap.side,
    warnings,
  };
}

/** Entry point used by the worker: dispatches on task type. */
export async function runWorkerTask(task: WorkerTask): Promise<RenderOutcome | WarmOutcome> {
  if (task.type === 'warm') return warmEngine(task);
  if (task.type === 'misbehave') {
    if (task.action === 'crash') process.exit(70); // in a worker thread this ends only the thread
    for (;;) {
      // spin until the pool terminates this thread
    }
  }
  return renderAvatar(task);
}

/** Loads the engine a WarmTask asks for (see there). Never throws for a missing sharp. */
export async function warmEngine(task: WarmTask): Promise<WarmOutcome> {
  let sharpError: string | undefined;
  if (task.engine !== 'jimp') {
    try {
      await loadEngine('sharp');
      return { engine: 'sharp' };
    } catch (error) {
      sharpError = describe(error);
      if (task.engine === 'sharp') return { engine: undefined, sharpError };
    }
  }
  await loadEngine('jimp');
  return { engine: 'jimp', ...(sharpError === undefined ? {} : { sharpError }) };
}
