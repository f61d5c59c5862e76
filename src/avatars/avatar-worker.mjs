// Image worker entry for the piscina pool. Plain JavaScript so that the file itself loads
// under any runner (tsx for `npm start` and scripts, vitest, plain node). From the build
// (dist/, `npm run build`) it imports the compiled task module; from src/ it loads the
// TypeScript one through tsx's scoped loader (tsImport), which works whether or not the parent
// process already has a TypeScript loader. tsx is imported only in that second case: the
// production worker never loads it (each thread would pay for it, docs/performance.md).
import { existsSync } from 'node:fs';
import { format } from 'node:util';

// Decoders talk: omggif (jimp's GIF decoder) console.logs "Warning, gif stream shorter than
// expected." for a cut-short GIF. A worker's console.log lands on the parent's stdout, where it
// would break `npm run avatar`'s one-JSON-line output and the bot's JSON log stream. Everything
// the libraries print here goes to stderr instead.
for (const level of ['log', 'info', 'debug', 'warn']) {
  console[level] = (...args) => {
    process.stderr.write(`${format(...args)}\n`);
  };
}

const compiled = new URL('./render-job.js', import.meta.url);
const { runWorkerTask } = existsSync(compiled)
  ? await import(compiled.href)
  : await (await import('tsx/esm/api')).tsImport('./render-job.ts', import.meta.url);

/** piscina calls the default export with each task. */
export default function avatarWorker(task) {
  return runWorkerTask(task);
}
