/**
 * SQLite WAL checkpoints off the request path: SQLite's automatic checkpoint runs inside the
 * commit that crosses the threshold, on the main thread (the driver is synchronous), which
 * stalled webhook answers (docs/performance.md). Instead a worker thread with its own
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs`; passive checkpoints never
 * wait for or block the writer. The main connection keeps a high automatic threshold only as
 * a safety net (connect.ts), should this thread be gone.
 *
 * The thread runs only while there is something to checkpoint: it stops once `idleChecks` checks
 * in a row found the WAL unchanged and fully checkpointed, and starts again when the WAL file
 * changes (its size and mtime, looked at every `everyMs` with an asynchronous `stat`). An idle
 * bot so holds no V8 isolate for it (~8 MB of memory); a new one costs ~30 ms of another
 * core's time when writes resume.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain JavaScript, evaluated in the worker: no TypeScript loader there. `walState` is read
// before each checkpoint; the last one is sent back on stopping, so a write after it restarts us.
const WORKER_SOURCE = `
const fs = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const walState = () => { try { const s = fs.statSync(workerData.file + '-wal'); return s.size + ':' + s.mtimeMs; } catch { return 'none'; } };
const run = () => { try { return checkpoint.get(); } catch { return undefined; } };
let lastWal, quietChecks = 0;
const timer = setInterval(() => {
  const wal = walState();
  const r = run();
  quietChecks = r !== undefined && r.log === r.checkpointed && wal === lastWal ? quietChecks + 1 : 0;
  lastWal = wal;
  if (quietChecks >= workerData.idleChecks) { parentPort.postMessage({ idleAt: wal }); finish(); }
}, workerData.everyMs);
function finish() { clearInterval(timer); run(); db.close(); parentPort.close(); }
parentPort.on('message', finish);
`;

export interface WalCheckpointer {
  /** Whether the checkpoint thread is running now (diagnostics and tests). */
  readonly running: boolean;
  /** Runs a last checkpoint (when the thread is running) and stops checkpointing. */
  stop(): Promise<void>;
}

/** Settings: `everyMs` between checkpoints and WAL looks (default 1000); `idleChecks` quiet checkpoints before the thread stops (default 3). */
export interface WalCheckpointerOptions {
  everyMs?: number;
  idleChecks?: number;
}

/** Checkpoints the SQLite database `file` every `everyMs` ms on a worker thread, while its WAL has anything to checkpoint. */
export function startWalCheckpointer(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const everyMs = options.everyMs ?? 1000;
  const workerData = { file, everyMs, idleChecks: options.idleChecks ?? 3, driver: createRequire(import.meta.url).resolve('better-sqlite3') };
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  /** The WAL's `size:mtime` when the thread last stopped idle; undefined before the first start. */
  let idleAt: string | undefined;
  /** A thread that ended without stopping idle (crash, can't open) isn't restarted: the safety-net threshold keeps the WAL bounded. */
  let failed = false;
  let stopped = false;
  let looking = false;

  const startThread = () => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
    w.unref();
    let stoppedIdle = false;
    w.on('message', (m: { idleAt: string }) => {
      stoppedIdle = true;
      idleAt = m.idleAt;
    });
    w.on('error', () => undefined);
    worker = w;
    exited = new Promise<void>((resolve) =>
      w.once('exit', () => {
        if (!stoppedIdle && !stopped) failed = true;
        if (worker === w) worker = undefined;
        resolve();
      }),
    );
  };

  const lookAtWal = async () => {
    if (worker || looking || stopped || failed) return;
    looking = true;
    try {
      const s = await fs.promises.stat(`${file}-wal`).catch(() => undefined);
      const now = s ? `${s.size}:${s.mtimeMs}` : 'none';
      if (!worker && !stopped && now !== idleAt) startThread();
    } finally {
      looking = false;
    }
  };
  startThread();
  const watch = setInterval(() => void lookAtWal(), everyMs);
  watch.unref();

  return {
    get running() {
      return worker !== undefined;
    },
    async stop() {
      stopped = true;
      clearInterval(watch);
      const w = worker;
      if (!w) return;
      w.ref(); // keep the process alive until the last checkpoint is done
      w.postMessage('stop');
      await exited;
    },
  };
}
