/**
 * Graceful stop on SIGTERM (the platform stopping the dyno) and SIGINT (Ctrl-C): stop intake,
 * drain, close, exit 0. A repeated signal while the drain runs is logged and ignored during
 * `graceMs` (Ctrl-C pressed twice, or a supervisor that signals twice, must not lose accepted
 * work); a signal after that, or a drain that outlasts `graceMs` plus `hardLimitMs`, exits 1.
 */
import type { Logger } from '../logger.ts';

export interface ShutdownOptions {
  logger: Logger;
  /** Stops taking work and drains; resolves when everything is closed. */
  close: () => Promise<void>;
  /** A second signal within this time after the first is ignored, ms (default 20 000). */
  graceMs?: number;
  /** After the grace period, the drain gets this much longer before the process exits 1, ms (default 5 000). */
  hardLimitMs?: number;
  /** Ends the process (tests replace it); default `process.exit`. */
  exit?: (code: number) => void;
  /** Signal source; default `process`. */
  signals?: Pick<NodeJS.Process, 'on'>;
  now?: () => number;
}

/** Installs the SIGTERM/SIGINT handlers. */
export function installShutdown(opts: ShutdownOptions): void {
  const { logger } = opts;
  const graceMs = opts.graceMs ?? 20_000;
  const hardLimitMs = opts.hardLimitMs ?? 5_000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const now = opts.now ?? Date.now;
  let stoppingSince: number | undefined;

  const finish = (code: number) => {
    logger.flush();
    exit(code);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      const elapsed = now() - stoppingSince;
      if (elapsed < graceMs) {
        logger.warn({ signal, elapsedMs: elapsed, graceMs }, 'already shutting down: finishing the work in hand first');
        return;
      }
      logger.warn({ signal }, 'signal after the grace period: exiting now');
      finish(1);
      return;
    }
    stoppingSince = now();
    logger.info({ signal }, 'shutting down: no new work, finishing the work in hand');
    const watchdog = setTimeout(() => {
      logger.error({ afterMs: graceMs + hardLimitMs }, 'shutdown did not finish in time: exiting');
      finish(1);
    }, graceMs + hardLimitMs);
    watchdog.unref();
    opts.close().then(
      () => {
        clearTimeout(watchdog);
        finish(0);
      },
      (e: unknown) => {
        clearTimeout(watchdog);
        logger.error({ err: e }, 'shutdown failed');
        finish(1);
      },
    );
  };
  const signals = opts.signals ?? process;
  signals.on('SIGTERM', () => stop('SIGTERM'));
  signals.on('SIGINT', () => stop('SIGINT'));
}
