/**
 * Event-loop delay of this process (perf_hooks), reported by `/health`: the last complete window
 * (default 10 s, so start-up compilation doesn't colour it) and the whole run. Milliseconds.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface EventLoopMonitor {
  /** `{windowMs, lastWindow, sinceStart}`; lastWindow is undefined during the first window. */
  snapshot(): { windowMs: number; lastWindow?: LoopDelayStats; sinceStart: LoopDelayStats };
  stop(): void;
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;
const statsOf = (h: IntervalHistogram): LoopDelayStats => ({ p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) });

/** Starts measuring (10 ms resolution); `stop()` ends it. */
export function createEventLoopMonitor(windowMs = 10_000): EventLoopMonitor {
  const total = monitorEventLoopDelay({ resolution: 10 });
  const window = monitorEventLoopDelay({ resolution: 10 });
  total.enable();
  window.enable();
  let lastWindow: LoopDelayStats | undefined;
  const timer = setInterval(() => {
    lastWindow = statsOf(window);
    window.reset();
  }, windowMs);
  timer.unref();
  return {
    snapshot: () => ({ windowMs, ...(lastWindow ? { lastWindow } : {}), sinceStart: statsOf(total) }),
    stop() {
      clearInterval(timer);
      total.disable();
      window.disable();
    },
  };
}
