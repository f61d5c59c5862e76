/**
 * Which engine renders: jimp (always available) or sharp (optional dependency).
 */
import { loadSharp } from './engines/sharp-engine.ts';

export type ImageEngineName = 'jimp' | 'sharp';

/**
 * Resolve the `engine` option. 'auto' → sharp when it loads, else jimp; 'jimp' → jimp;
 * 'sharp' → sharp, or an Error naming the cause when it can't be loaded (a setup
 * problem, not the person's file). Loading sharp here, on the main thread, before any
 * worker does, follows sharp's worker-thread guidance.
 */
export async function selectEngine(requested: 'auto' | ImageEngineName = 'auto'): Promise<ImageEngineName> {
  if (requested === 'jimp') return 'jimp';
  try {
    await loadSharp();
    return 'sharp';
  } catch (error) {
    if (requested === 'auto') return 'jimp';
    throw new Error(
      `The sharp image engine was requested but can't be loaded (${error instanceof Error ? error.message : String(error)}). ` +
        'Install the optional dependency sharp, or set the engine to jimp or auto.',
      { cause: error },
    );
  }
}

/** Engines that work in this installation: always 'jimp', plus 'sharp' when it loads. */
export async function availableEngines(): Promise<ImageEngineName[]> {
  try {
    await loadSharp();
    return ['jimp', 'sharp'];
  } catch {
    return ['jimp'];
  }
}
