/**
 * Shared between engines: the square bitmap an engine produces before encoding, and
 * the checks that run on it. Runs inside the image worker.
 */

/** A square RGBA bitmap, 8 bits per channel, row-major, `side`×`side` pixels. */
export interface SquareBitmap {
  data: Uint8Array;
  side: number;
}

/** An engine: decode → orient → (flatten) → crop/pad → resize, then encode. */
export interface AvatarEngine {
  /**
   * Decode `bytes` and produce the square RGBA bitmap of the plan's side.
   * Throws anything on undecodable input (the job maps it to 'corrupt').
   */
  render(bytes: Uint8Array, plan: import('../avatar-plan.ts').RenderPlan): Promise<SquareBitmap>;
  /** Encode the bitmap; no metadata is written. */
  encode(bitmap: SquareBitmap, format: 'jpeg' | 'png', jpegQuality: number): Promise<Uint8Array>;
}

/** True when every pixel of the RGBA bitmap has exactly the same value. */
export function isSingleFlatColour(data: Uint8Array): boolean {
  if (data.length < 8) return true;
  const r = data[0];
  const g = data[1];
  const b = data[2];
  const a = data[3];
  for (let i = 4; i < data.length; i += 4) {
    if (data[i] !== r || data[i + 1] !== g || data[i + 2] !== b || data[i + 3] !== a) return false;
  }
  return true;
}

/** Composite RGBA pixels onto opaque white, in place (alpha becomes 255). */
export function flattenOntoWhite(data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3] ?? 255;
    if (a === 255) continue;
    const keep = a / 255;
    const white = 255 * (1 - keep);
    data[i] = Math.round((data[i] ?? 0) * keep + white);
    data[i + 1] = Math.round((data[i + 1] ?? 0) * keep + white);
    data[i + 2] = Math.round((data[i + 2] ?? 0) * keep + white);
    data[i + 3] = 255;
  }
}
