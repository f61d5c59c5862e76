// Worker-thread entry for the emulator's profile-image work (piscina). Plain JavaScript so it
// loads under any runner. From the build (dist/, `npm run build`) it imports the compiled module
// (dist/ has no .ts files: a demo started with `node dist/main.js` crashed on the first photo);
// from src/ the TypeScript one comes in through tsx's scoped loader.
import { existsSync } from 'node:fs';
import { format } from 'node:util';
import { tsImport } from 'tsx/esm/api';

// Image libraries may print; a worker's console output would land in the bot's JSON log stream.
for (const level of ['log', 'info', 'debug', 'warn']) {
  console[level] = (...args) => {
    process.stderr.write(`${format(...args)}\n`);
  };
}

const compiled = new URL('./profile-image-processing.js', import.meta.url);
const { buildProfileImage } = existsSync(compiled) ? await import(compiled.href) : await tsImport('./profile-image-processing.ts', import.meta.url);

/**
 * piscina calls this with `{bytes, lastModified}`. Answers `{ok: true, record}` or, for an
 * upload RingCentral would refuse, `{ok: false, status, errorCode, message, parameterName}`
 * (an Error's class and fields don't survive the trip back to the main thread).
 */
export default async function profileImageWorker({ bytes, lastModified }) {
  try {
    return { ok: true, record: await buildProfileImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), lastModified) };
  } catch (e) {
    // An ApiError (status + RingCentral error code). Matched by shape: tsImport loads the module
    // graph on its own, so the class seen here is not the one a separate import would give.
    if (!(e instanceof Error) || typeof e.status !== 'number' || typeof e.errorCode !== 'string') throw e;
    return { ok: false, status: e.status, errorCode: e.errorCode, message: e.message, parameterName: e.parameterName };
  }
}
