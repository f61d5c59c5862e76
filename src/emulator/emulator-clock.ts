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

  /** Moves time forward by `ms` (>= 0). Throws RangeError for negative or non-finite values. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceMs must be a finite number >= 0');
    this.offsetMs += ms;
  }
}
