/**
 * Latest time the clock may show, ms since the epoch (9999-12-31T23:59:59.999Z): the last instant
 * with a four-digit ISO 8601 year, so every timestamp the emulator prints stays parseable.
 */
export const MAX_EMULATOR_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The emulator's clock: real time plus an offset that `POST /_emulator/clock` moves forward.
 * Everything in the emulator that expires (tokens, subscriptions, rate-limit windows, penalties)
 * reads time from here, never from `Date.now()` directly.
 */
export class EmulatorClock {
  private offsetMs = 0;

  /** Current emulator time in ms since the epoch. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Current emulator time as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /**
   * Moves time forward by `ms` (>= 0). Throws RangeError for negative or non-finite values and
   * for a move past `MAX_EMULATOR_TIME_MS` (the clock is left unchanged then): beyond it dates
   * stop printing as plain ISO 8601 and, further on, stop being dates at all.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceMs must be a finite number >= 0');
    if (Date.now() + this.offsetMs + ms > MAX_EMULATOR_TIME_MS) {
      throw new RangeError(`advanceMs would move the clock past ${new Date(MAX_EMULATOR_TIME_MS).toISOString()}`);
    }
    this.offsetMs += ms;
  }
}
