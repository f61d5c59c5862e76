// Image worker entry for the piscina pool. Plain JavaScript so that the file itself loads
// under any runner (tsx for `npm start` and scripts, vitest, plain node). From the build
// (dist/, `npm run build`) it imports the compiled task module; from src/ it loads the
// TypeScript one through tsx's scoped loader (tsImport), which works whether or not the parent
// process already has a TypeScript loader. tsx is imported only in that second case: the
// production worker never loads it (each thread would pay for it, docs/performance.md).
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { format } from 'node:util';

// Photos are background work; webhook answers and chat replies on the main thread are not. On
// Linux this thread and libvips' threads run at nice 10, so on a busy machine the scheduler
// gives the main thread the core first (docs/performance.md). setpriority on a thread id changes
// only that thread: this one's id is the last part of /proc/thread-self; libvips starts its
// threads itself (named "libvips worker"), at nice 0, so they are looked up after each task.
// Elsewhere, or without /proc, nothing changes.
const BACKGROUND_NICE = 10;
const lowered = new Set();
function lower(threadId) {
  if (lowered.has(threadId)) return;
  lowered.add(threadId);
  try {
    // Never raise a priority: a bot already started at a higher nice stays there.
    setPriority(threadId, Math.max(getPriority(threadId), BACKGROUND_NICE));
  } catch {
    // not allowed: the thread keeps the process's priority
  }
}
function lowerImageThreads() {
  let ids = [];
  try {
    ids = readdirSync('/proc/self/task');
  } catch {
    return; // no /proc: not Linux
  }
  for (const id of ids) {
    try {
      if (!lowered.has(Number(id)) && readFileSync(`/proc/self/task/${id}/comm`, 'utf8').startsWith('libvips')) lower(Number(id));
    } catch {
      // the thread ended meanwhile
    }
  }
}
try {
  lower(Number(readlinkSync('/proc/thread-self').split('/').pop()));
} catch {
  // no /proc: not Linux
}

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
export default async function avatarWorker(task) {
  try {
    return await runWorkerTask(task);
  } finally {
    lowerImageThreads();
  }
}
