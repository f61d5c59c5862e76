/** Watch the main event loop while something runs: delay histogram plus a tick counter. */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopReport {
  /** wall time of the watched work, ms */
  ms: number;
  /** how many 10 ms interval callbacks ran meanwhile */
  ticks: number;
  /** the longest event-loop delay seen, ms */
  maxDelayMs: number;
}

/** Run `work` while measuring the main thread's event loop. */
export async function watchLoop<T>(work: () => Promise<T>): Promise<{ value: T; report: LoopReport }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
  }, 10);
  histogram.enable();
  const started = performance.now();
  try {
    const value = await work();
    return { value, report: { ms: performance.now() - started, ticks, maxDelayMs: histogram.max / 1e6 } };
  } finally {
    histogram.disable();
    clearInterval(timer);
  }
}
