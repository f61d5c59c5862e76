/**
 * SQLite WAL checkpoints off the request path: SQLite's automatic checkpoint runs inside the
 * commit that crosses the threshold, on the main thread (the driver is synchronous), which
 * stalled webhook answers (docs/performance.md). Instead a worker thread with its own
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs`; passive checkpoints never
 * wait for or block the writer. The main connection keeps a high automatic threshold only as
 * a safety net (connect.ts), should this thread be gone.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain JavaScript, evaluated in the worker: no TypeScript loader there.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => { try { checkpoint.run(); } catch {} }, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); try { checkpoint.run(); } catch {} db.close(); parentPort.close(); });
`;

export interface WalCheckpointer {
  /** Runs a last checkpoint and stops the thread. */
  stop(): Promise<void>;
}

/** Starts checkpointing the SQLite database `file` every `everyMs` ms (default 1000) on a worker thread. */
export function startWalCheckpointer(file: string, everyMs = 1000): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, everyMs, driver } });
  worker.unref();
  worker.on('error', () => undefined); // the safety-net threshold keeps the WAL bounded
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage('stop');
      await exited;
    },
  };
}
