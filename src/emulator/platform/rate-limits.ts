import type { EmulatorState } from '../emulator-state.ts';
import type { UsagePlanGroup } from './usage-plan-groups.ts';

/** Requests allowed per window for each usage plan group (RingCentral defaults, docs/ringcentral-notes.md §5). */
export const USAGE_PLAN_LIMITS: Readonly<Record<UsagePlanGroup, number>> = {
  Light: 50,
  Medium: 40,
  Heavy: 10,
  Auth: 5,
};

/** RingCentral's window and penalty interval, both 60 s (docs/ringcentral-notes.md §5). */
export const RATE_WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one (0 when refused). */
  remaining: number;
  /** Window length in whole seconds (at least 1), for `X-Rate-Limit-Window`. */
  windowSeconds: number;
  /** Seconds to wait (at least 1) when refused, for `Retry-After`. */
  retryAfterSeconds: number;
}

/**
 * Counts one request of `key` (`<extensionId>|<clientId>`) in `group` against a sliding window.
 * Over the limit, the key enters a penalty of one window; each request made during the penalty
 * is refused and restarts it (docs/ringcentral-notes.md §5: "each request during the penalty resets the
 * penalty window"). Refused requests are not counted in the window. Window and penalty are
 * `RATE_WINDOW_MS × state.settings.timeScale` ms on the emulator clock.
 */
export function takeRateLimit(state: EmulatorState, key: string, group: UsagePlanGroup): RateDecision {
  const now = state.clock.now();
  const windowMs = Math.max(1, Math.round(RATE_WINDOW_MS * state.settings.timeScale));
  const windowSeconds = Math.max(1, Math.ceil(windowMs / 1000));
  const limit = USAGE_PLAN_LIMITS[group];
  const mapKey = `${key}|${group}`;
  let w = state.rateLimits.get(mapKey);
  if (!w) {
    w = { hits: [] };
    state.rateLimits.set(mapKey, w);
  }
  if (w.penaltyUntil !== undefined && w.penaltyUntil > now) {
    w.penaltyUntil = now + windowMs;
    return { allowed: false, limit, remaining: 0, windowSeconds, retryAfterSeconds: windowSeconds };
  }
  if (w.penaltyUntil !== undefined) {
    w.penaltyUntil = undefined;
    w.hits = [];
  }
  const from = now - windowMs;
  let drop = 0;
  while (drop < w.hits.length && (w.hits[drop] as number) <= from) drop++;
  if (drop > 0) w.hits.splice(0, drop);
  if (w.hits.length >= limit) {
    w.penaltyUntil = now + windowMs;
    return { allowed: false, limit, remaining: 0, windowSeconds, retryAfterSeconds: windowSeconds };
  }
  w.hits.push(now);
  return { allowed: true, limit, remaining: limit - w.hits.length, windowSeconds, retryAfterSeconds: 0 };
}
