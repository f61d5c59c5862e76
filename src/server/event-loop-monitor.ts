/**
 * Event-loop delay of this process (perf_hooks), reported by `/health`: the last complete window
 * (default 10 s, so start-up compilation doesn't colour it) and the whole run. Milliseconds.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Samples delayed more than 5 ms beyond the sampling interval (stalls). */
  stallsOver5Ms: number;
  /** Share of the time the main thread was busy (event-loop utilization, 0..1). */
  busyShare: number;
}

export interface EventLoopMonitor {
  /** `{windowMs, lastWindow, sinceStart}`; lastWindow is undefined during the first window. */
  snapshot(): { windowMs: number; lastWindow?: LoopDelayStats; sinceStart: LoopDelayStats };
  stop(): void;
}

const RESOLUTION_MS = 10;
// Node's histogram records the whole sampling interval; report only the delay beyond it.
const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
function stallsOf(h: IntervalHistogram): number {
  // percentiles: percentile → value; the first one past the threshold gives the share above it.
  for (const [p, v] of h.percentiles) if (v / 1e6 - RESOLUTION_MS > 5) return Math.max(1, Math.round((h.count * (100 - p)) / 100));
  return 0;
}
const statsOf = (h: IntervalHistogram, busyShare: number): LoopDelayStats => ({
  p50Ms: ms(h.percentile(50)),
  p99Ms: ms(h.percentile(99)),
  maxMs: ms(h.max),
  stallsOver5Ms: stallsOf(h),
  busyShare: Math.round(busyShare * 1000) / 1000,
});

/** Starts measuring (sampled every 10 ms; values are the delay beyond that); `stop()` ends it. */
export function createEventLoopMonitor(windowMs = 10_000): EventLoopMonitor {
  const total = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const window = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  total.enable();
  window.enable();
  let lastWindow: LoopDelayStats | undefined;
  const startElu = performance.eventLoopUtilization();
  let windowElu = startElu;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    lastWindow = statsOf(window, performance.eventLoopUtilization(now, windowElu).utilization);
    windowElu = now;
    window.reset();
  }, windowMs);
  timer.unref();
  return {
    snapshot: () => ({ windowMs, ...(lastWindow ? { lastWindow } : {}), sinceStart: statsOf(total, performance.eventLoopUtilization(startElu).utilization) }),
    stop() {
      clearInterval(timer);
      total.disable();
      window.disable();
    },
  };
}
