/**
 * Paces the calls of one identity (the bot, or one person) in one usage plan group so normal
 * work never runs into a 429 (docs/ringcentral-notes.md §5 "Rate limits": limits are per user, per app,
 * per group, over a sliding window; each request during a penalty restarts the penalty).
 *
 * p-queue keeps the calls in order and bounds how many are in flight; then two gates, both
 * before a request leaves:
 * 1. a sliding window of our own request start times, sized from the group's documented default
 *    and re-sized from `X-Rate-Limit-Limit` / `X-Rate-Limit-Window` (calls already waiting follow
 *    the new size at once);
 * 2. the server's own count from `X-Rate-Limit-Remaining`, which also covers requests made by
 *    other processes with the same identity: once the estimate (last Remaining minus requests
 *    started since that answer's request) reaches 0, nothing leaves until that answer's window
 *    has passed. A 429 closes the gate for `Retry-After`.
 * 3. with a {@link SharedRateBudget} (the store's `rate_grants`, shared by every instance of the
 *    deployment), calls are also taken from a deployment-wide sliding window: the pacer takes a
 *    slice of a few calls at a time (up to an eighth of the limit, no more than the calls waiting:
 *    one database write per slice, not per call) and must start them within the slice's validity. A restarted instance reads what the others (and its
 *    previous run) already spent, so it does not open with a 429. If the store fails, pacing
 *    falls back to gates 1 and 2 for that slice.
 */
import PQueue from 'p-queue';
import type { UsagePlanGroup } from './usage-plan-groups.ts';

/** What one answer's `X-Rate-Limit-*` headers said. */
export interface RateLimitHeaders {
  group?: UsagePlanGroup;
  limit?: number;
  remaining?: number;
  windowMs?: number;
}

/**
 * A deployment-wide budget (the store's `rate_grants` has this shape): take up to `want` of
 * `limit` calls per `windowMs` for `key`; each grant counts for `windowMs + validityMs`.
 * Resolves how many were granted, and when 0 the time (ms since epoch) to ask again.
 */
export interface SharedRateBudget {
  take(key: string, want: number, limit: number, windowMs: number, validityMs: number, now: number): Promise<{ granted: number; retryAt?: number | undefined }>;
}

/** Settings of one pacer; times in ms. */
export interface UsagePlanPacerOptions {
  group: UsagePlanGroup;
  /** Requests allowed per window before headers tell otherwise. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Wall clock in ms; default `Date.now`. */
  now?: () => number;
  /** Waits `ms` or until `signal` aborts; default a real timer. Tests pass a recorder. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called whenever the pacer holds a request back (ms waited, reason). */
  onWait?: (ms: number, reason: 'window-full' | 'remaining-exhausted' | 'retry-after' | 'shared-budget') => void;
  /** The deployment-wide budget and this pacer's key in it (e.g. `bot|Medium`); none: this process only. */
  shared?: { budget: SharedRateBudget; key: string; onError?: (error: unknown) => void } | undefined;
  /** How long a slice of the shared budget may be used, ms (default 2,000). */
  sliceValidityMs?: number | undefined;
}

/**
 * Thrown by a paced call that would have to wait past the pacer's deadline (see
 * `UsagePlanPacer.refuseWaitsPast`): the process is stopping and the call could not leave in time.
 */
export class PastDeadlineError extends Error {
  override readonly name = 'PastDeadlineError';
  constructor(
    /** How long the call would have waited, ms. */
    readonly waitMs: number,
  ) {
    super(`this call would wait ${Math.round(waitMs)} ms for its turn, past the shutdown deadline`);
  }
}

/** A timer that also ends (and is cleared) when `signal` aborts. */
export function sleepOrWake(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The pacer of one (identity, usage plan group): `schedule` a call, `observe` its answer's
 * headers, `holdFor` after a 429. See the module comment for the two gates.
 */
export class UsagePlanPacer {
  readonly group: UsagePlanGroup;
  readonly #queue: PQueue;
  #limit: number;
  #windowMs: number;
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** One controller per waiting call; aborted to make them look again when the headers change. */
  readonly #sleepers = new Set<AbortController>();
  readonly #onWait: UsagePlanPacerOptions['onWait'];
  /** Start times (ms) of our requests inside the current window, oldest first. */
  #starts: number[] = [];
  /** Sequence number of the latest request started. */
  #started = 0;
  /** Latest server count: which request it answered, what Remaining said, and when. */
  #observed: { seq: number; remaining: number; at: number } | undefined;
  #closedUntil = 0;
  readonly #shared: UsagePlanPacerOptions['shared'];
  readonly #sliceValidityMs: number;
  /** Calls left of the current slice of the shared budget, usable until `until`. */
  #slice = { left: 0, until: 0 };
  #refilling: Promise<void> | undefined;
  /** Calls inside #reserve now: a slice asks for no more than these, so sparse traffic wastes no budget. */
  #waiting = 0;
  /** A wait that would end after this (ms since epoch) throws PastDeadlineError instead. */
  #deadline = Infinity;

  constructor(options: UsagePlanPacerOptions) {
    this.group = options.group;
    this.#limit = Math.max(1, Math.floor(options.limit));
    this.#windowMs = Math.max(1, options.windowMs);
    this.#concurrency = options.concurrency ?? 4;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepOrWake;
    this.#onWait = options.onWait;
    this.#queue = new PQueue({ concurrency: this.#concurrency });
    this.#shared = options.shared;
    this.#sliceValidityMs = options.sliceValidityMs ?? 2_000;
  }

  /** Calls per slice of the shared budget: an eighth of the limit, at least 1. */
  get #sliceSize(): number {
    return Math.max(1, Math.floor(this.#limit / 8));
  }

  /** Takes the next slice of the shared budget; resolves when to look again (now, or later when spent). */
  async #refill(): Promise<void> {
    const shared = this.#shared!;
    const now = this.#now();
    let wait = 0;
    try {
      const want = Math.max(1, Math.min(this.#sliceSize, this.#waiting));
      const grant = await shared.budget.take(shared.key, want, this.#limit, this.#windowMs, this.#sliceValidityMs, now);
      if (grant.granted > 0) this.#slice = { left: grant.granted, until: this.#now() + this.#sliceValidityMs };
      else wait = Math.max(1, (grant.retryAt ?? now + 1_000) - this.#now());
    } catch (error) {
      shared.onError?.(error);
      this.#slice = { left: this.#sliceSize, until: this.#now() + this.#sliceValidityMs };
    }
    if (wait > 0) {
      this.#onWait?.(wait, 'shared-budget');
      await this.#pause(wait);
    }
  }

  /** Current window settings (requests per `windowMs`). */
  get settings(): { limit: number; windowMs: number } {
    return { limit: this.#limit, windowMs: this.#windowMs };
  }

  /**
   * Runs `send` when both gates allow; `send` gets a sequence number to hand back to `observe`
   * with that answer's headers. Resolves/rejects with `send`'s result.
   */
  schedule<T>(send: (seq: number) => Promise<T>): Promise<T> {
    return this.#queue.add(async () => {
      const seq = await this.#reserve();
      return send(seq);
    }) as Promise<T>;
  }

  /** Feeds one answer's `X-Rate-Limit-*` headers (for the request numbered `seq`). */
  observe(seq: number, headers: RateLimitHeaders): void {
    const at = this.#now();
    let changed = false;
    if (headers.remaining !== undefined && (!this.#observed || seq >= this.#observed.seq)) {
      this.#observed = { seq, remaining: headers.remaining, at };
      changed = true;
    }
    const limit = headers.limit !== undefined && headers.limit > 0 ? Math.floor(headers.limit) : this.#limit;
    const windowMs = headers.windowMs !== undefined && headers.windowMs > 0 ? headers.windowMs : this.#windowMs;
    if (limit !== this.#limit || windowMs !== this.#windowMs) changed = true;
    this.#limit = limit;
    this.#windowMs = windowMs;
    if (changed) {
      // Calls already waiting look again with what RingCentral just said.
      for (const sleeper of this.#sleepers) sleeper.abort();
      this.#sleepers.clear();
    }
  }

  /**
   * From now on a call whose turn would come after `deadline` (ms since epoch) fails at once with
   * PastDeadlineError instead of waiting; calls waiting now look again. For a stopping process:
   * work that can't start before the deadline is better handed to another instance at once.
   */
  refuseWaitsPast(deadline: number): void {
    this.#deadline = Math.min(this.#deadline, deadline);
    for (const sleeper of this.#sleepers) sleeper.abort();
    this.#sleepers.clear();
  }

  async #pause(ms: number): Promise<void> {
    if (this.#now() + ms > this.#deadline) throw new PastDeadlineError(ms);
    const sleeper = new AbortController();
    this.#sleepers.add(sleeper);
    try {
      await this.#sleep(ms, sleeper.signal);
    } finally {
      this.#sleepers.delete(sleeper);
    }
  }

  /** Closes the gate for `ms` (after a 429 with `Retry-After`). */
  holdFor(ms: number): void {
    this.#closedUntil = Math.max(this.#closedUntil, this.#now() + ms);
  }

  /** Waits until both gates allow, then takes the next sequence number (check and take happen in one synchronous step, so concurrent callers can't all pass on the same budget). */
  async #reserve(): Promise<number> {
    this.#waiting++;
    try {
      return await this.#reserveLoop();
    } finally {
      this.#waiting--;
    }
  }

  async #reserveLoop(): Promise<number> {
    for (;;) {
      const now = this.#now();
      if (now < this.#closedUntil) {
        const ms = this.#closedUntil - now;
        this.#onWait?.(ms, 'retry-after');
        await this.#pause(ms);
        continue;
      }
      while (this.#starts.length > 0 && (this.#starts[0] as number) <= now - this.#windowMs) this.#starts.shift();
      if (this.#starts.length >= this.#limit) {
        const ms = (this.#starts[0] as number) + this.#windowMs - now;
        this.#onWait?.(ms, 'window-full');
        await this.#pause(ms);
        continue;
      }
      const o = this.#observed;
      if (o && o.remaining - (this.#started - o.seq) <= 0) {
        const until = o.at + this.#windowMs;
        if (now < until) {
          this.#onWait?.(until - now, 'remaining-exhausted');
          await this.#pause(until - now);
          continue;
        }
        this.#observed = undefined; // that window has passed; the next answer tells the new count
      }
      if (this.#shared && (this.#slice.left <= 0 || now > this.#slice.until)) {
        // One refill at a time; every waiting call looks again afterwards.
        this.#refilling ??= this.#refill().finally(() => {
          this.#refilling = undefined;
        });
        await this.#refilling;
        continue;
      }
      if (this.#shared) this.#slice.left--;
      this.#starts.push(now);
      return ++this.#started;
    }
  }
}

/** Reads the `X-Rate-Limit-*` headers of an answer (docs/ringcentral-notes.md §5). */
export function readRateLimitHeaders(get: (name: string) => string | null, parseGroup: (v: string | null) => UsagePlanGroup | undefined): RateLimitHeaders {
  const num = (name: string) => {
    const v = get(name);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const out: RateLimitHeaders = {};
  const group = parseGroup(get('x-rate-limit-group'));
  if (group) out.group = group;
  const limit = num('x-rate-limit-limit');
  if (limit !== undefined) out.limit = limit;
  const remaining = num('x-rate-limit-remaining');
  if (remaining !== undefined) out.remaining = remaining;
  const windowS = num('x-rate-limit-window');
  if (windowS !== undefined) out.windowMs = windowS * 1000;
  return out;
}
