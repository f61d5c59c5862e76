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

const RESOLUTION_MS = 10;
// Node's histogram records the whole sampling interval; report only the delay beyond it.
const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
const statsOf = (h: IntervalHistogram): LoopDelayStats => ({ p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) });

/** Starts measuring (sampled every 10 ms; values are the delay beyond that); `stop()` ends it. */
export function createEventLoopMonitor(windowMs = 10_000): EventLoopMonitor {
  const total = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const window = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
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
