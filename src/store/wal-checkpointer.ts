/**
 * SQLite WAL checkpoints off the request path: SQLite's automatic checkpoint runs inside the
 * commit that crosses the threshold, on the main thread (the driver is synchronous), which
 * stalled webhook answers (docs/performance.md). Instead a worker thread with its own
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs` (100 ms); passive checkpoints
 * never wait for or block the writer.
 *
 * Under writes that never pause, a passive checkpoint never reaches the WAL's last frame, and
 * only a complete checkpoint lets the next write start the WAL over
 * (https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files). That is left to the
 * main connection's automatic checkpoint (connect.ts, at 2,000 frames): because this thread has
 * already copied and synced all but the last ≤ 100 ms of frames, the writer's own checkpoint
 * copies little and its syncs find little to write. Measured (docs/performance.md): with a 1 s
 * cadence and the automatic one at 10,000 frames, that checkpoint on the main thread copied
 * seconds of frames and stalled webhook answers by 30–70 ms every few seconds.
 *
 * The thread runs only while there is something to checkpoint: it stops once `idleChecks` checks
 * in a row found the WAL unchanged and fully checkpointed, and starts again when the WAL file
 * changes (its size and mtime, looked at every `watchEveryMs` with an asynchronous `stat`). An idle
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

/**
 * Settings: `everyMs` between checkpoints (default 100); `idleChecks` quiet checkpoints before
 * the thread stops (default 30, i.e. 3 s); `watchEveryMs` between looks at a stopped thread's WAL
 * (default 1000). A burst that starts while the thread is stopped can write up to a second of
 * frames before the thread is back; past 2,000 of them the main thread's automatic checkpoint
 * copies them once. Looking more often cost more than it saved: under fake timers (tests that
 * advance days) every look is a callback.
 */
export interface WalCheckpointerOptions {
  everyMs?: number;
  idleChecks?: number;
  watchEveryMs?: number;
}

/** Checkpoints the SQLite database `file` every `everyMs` ms on a worker thread, while its WAL has anything to checkpoint. */
export function startWalCheckpointer(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const everyMs = options.everyMs ?? 100;
  const workerData = { file, everyMs, idleChecks: options.idleChecks ?? 30, driver: createRequire(import.meta.url).resolve('better-sqlite3') };
  let worker: Worker | undefined;
  let exited = Promise.resolve();
  /** The WAL's `size:mtime` when the thread last stopped idle; undefined before the first start. */
  let idleAt: string | undefined;
  /** A thread that ended without stopping idle (crash, can't open) isn't restarted: the main connection's automatic checkpoint (2,000 frames, connect.ts) keeps the WAL bounded. */
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
  const watch = setInterval(() => void lookAtWal(), options.watchEveryMs ?? 1000);
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
