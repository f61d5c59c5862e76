import { describe, expect, it } from 'vitest';
import { createEventLoopMonitor } from '../../../src/server/event-loop-monitor.ts';

describe('createEventLoopMonitor', () => {
  it('sees a blocked event loop', async () => {
    const m = createEventLoopMonitor(60_000);
    await new Promise((r) => setTimeout(r, 50));
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // busy: the loop can't run timers
    }
    await new Promise((r) => setTimeout(r, 30));
    const s = m.snapshot();
    m.stop();
    expect(s.windowMs).toBe(60_000);
    expect(s.lastWindow).toBeUndefined();
    expect(s.sinceStart.maxMs).toBeGreaterThanOrEqual(100);
    expect(s.sinceStart.p50Ms).toBeGreaterThanOrEqual(0);
  });
});
