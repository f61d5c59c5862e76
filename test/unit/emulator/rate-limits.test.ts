import { describe, expect, it } from 'vitest';
import { EmulatorState } from '../../../src/emulator/emulator-state.ts';
import { takeRateLimit, USAGE_PLAN_LIMITS } from '../../../src/emulator/platform/rate-limits.ts';

describe('takeRateLimit', () => {
  it('allows the group limit per sliding 60 s window, counting remaining down', () => {
    const state = new EmulatorState();
    const seen = Array.from({ length: USAGE_PLAN_LIMITS.Heavy }, () => takeRateLimit(state, 'e1|app', 'Heavy'));
    expect(seen.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(seen.every((d) => d.allowed && d.limit === 10 && d.windowSeconds === 60)).toBe(true);
    const refused = takeRateLimit(state, 'e1|app', 'Heavy');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 60 });
  });

  it('keeps callers and groups apart', () => {
    const state = new EmulatorState();
    for (let i = 0; i < 5; i++) takeRateLimit(state, 'e1|app', 'Auth');
    expect(takeRateLimit(state, 'e1|app', 'Auth').allowed).toBe(false);
    expect(takeRateLimit(state, 'e2|app', 'Auth').allowed).toBe(true);
    expect(takeRateLimit(state, 'e1|other-app', 'Auth').allowed).toBe(true);
    expect(takeRateLimit(state, 'e1|app', 'Light').allowed).toBe(true);
  });

  it('slides: hits older than the window stop counting', () => {
    const state = new EmulatorState();
    for (let i = 0; i < 4; i++) takeRateLimit(state, 'k', 'Auth');
    state.clock.advance(30_000);
    takeRateLimit(state, 'k', 'Auth');
    state.clock.advance(30_001);
    // The first four are now out of the window; only the fifth counts.
    expect(takeRateLimit(state, 'k', 'Auth')).toMatchObject({ allowed: true, remaining: 3 });
  });

  it('a request during the penalty is refused and restarts the penalty', () => {
    const state = new EmulatorState();
    for (let i = 0; i < 6; i++) takeRateLimit(state, 'k', 'Auth');
    state.clock.advance(59_000);
    expect(takeRateLimit(state, 'k', 'Auth').allowed).toBe(false);
    state.clock.advance(59_000);
    expect(takeRateLimit(state, 'k', 'Auth').allowed).toBe(false);
    state.clock.advance(60_001);
    expect(takeRateLimit(state, 'k', 'Auth')).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('timeScale shrinks window and penalty (0.01 → 600 ms, reported as 1 s)', () => {
    const state = new EmulatorState();
    state.settings.timeScale = 0.01;
    for (let i = 0; i < 5; i++) takeRateLimit(state, 'k', 'Auth');
    const refused = takeRateLimit(state, 'k', 'Auth');
    expect(refused).toMatchObject({ allowed: false, windowSeconds: 1, retryAfterSeconds: 1 });
    state.clock.advance(601);
    expect(takeRateLimit(state, 'k', 'Auth').allowed).toBe(true);
  });
});
