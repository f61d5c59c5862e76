// Image worker entry for the piscina pool. Plain JavaScript so that the file itself loads
// under any runner (tsx for `npm start` and scripts, vitest, plain node). It loads the
// TypeScript task module through tsx's scoped loader (tsImport), which works whether or
// not the parent process already has a TypeScript loader.
import { tsImport } from 'tsx/esm/api';

const { runWorkerTask } = await tsImport('./render-job.ts', import.meta.url);

/** piscina calls the default export with each task. */
export default function avatarWorker(task) {
  return runWorkerTask(task);
}
