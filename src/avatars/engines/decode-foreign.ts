/**
 * Formats neither engine decodes the same way everywhere (jimp can't read them at all;
 * sharp's prebuilt libvips has no HEVC decoder): WebP, AVIF and HEIC/HEIF are decoded
 * here with WebAssembly builds of the reference libraries, then handed to the engine
 * as an RGBA bitmap. Runs inside the image worker only; each decoder loads on first use.
 *
 * - WebP: @jsquash/webp (libwebp). Still images only; animated WebP is refused earlier.
 * - AVIF: @jsquash/avif (libavif + dav1d).
 * - HEIC/HEIF: heic-decode (libheif-js, libde265); the primary image, with libheif
 *   applying the file's rotation/mirroring.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** An RGBA bitmap, 8 bits per channel, row-major. */
export interface RgbaBitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ForeignFormat = 'webp' | 'avif' | 'heic';

/** True for the formats decoded here rather than by the engine. */
export function isForeignFormat(format: string): format is ForeignFormat {
  return format === 'webp' || format === 'avif' || format === 'heic';
}

const require = createRequire(import.meta.url);

interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}
type WasmDecoder = (bytes: ArrayBuffer) => Promise<ImageDataLike | null>;

const loaded = new Map<string, Promise<WasmDecoder>>();

/** Load a jsquash decoder with its .wasm read from node_modules (no fetch, works offline). */
function jsquash(pkg: '@jsquash/webp' | '@jsquash/avif', wasmFile: string): Promise<WasmDecoder> {
  let decoder = loaded.get(pkg);
  if (!decoder) {
    decoder = (async () => {
      const mod = (await import(`${pkg}/decode.js`)) as {
        init: (module: WebAssembly.Module) => Promise<void>;
        default: WasmDecoder;
      };
      const wasm = await WebAssembly.compile(await readFile(require.resolve(`${pkg}/codec/dec/${wasmFile}`)));
      await mod.init(wasm);
      return mod.default;
    })();
    loaded.set(pkg, decoder);
  }
  return decoder;
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Decode a WebP, AVIF or HEIC/HEIF file to RGBA.
 * Throws on anything the decoder can't read (the job reports it as 'corrupt').
 */
export async function decodeForeign(bytes: Uint8Array, format: ForeignFormat): Promise<RgbaBitmap> {
  let image: ImageDataLike | null;
  if (format === 'heic') {
    const { default: decodeHeic } = await import('heic-decode');
    image = await decodeHeic({ buffer: bytes });
  } else if (format === 'webp') {
    image = await (await jsquash('@jsquash/webp', 'webp_dec.wasm'))(arrayBufferOf(bytes));
  } else {
    image = await (await jsquash('@jsquash/avif', 'avif_dec.wasm'))(arrayBufferOf(bytes));
  }
  if (!image || image.width <= 0 || image.height <= 0 || image.data.length !== image.width * image.height * 4) {
    throw new Error(`${format} decoder returned no usable image`);
  }
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { width: image.width, height: image.height, data };
}
