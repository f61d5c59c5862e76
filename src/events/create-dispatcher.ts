/**
 * The dispatcher works from the durable inbox (store), never from the HTTP request: an event
 * accepted before a crash is still `pending`, or `processing` under a lease that expires (any
 * instance then takes it over), and is finished after the restart. While an event runs its
 * lease is renewed; the store hands out work in fair order (round-robin across senders), as many
 * events per claim as the lane has free slots. Each event runs once to completion; a handler that throws is retried a
 * bounded number of times with backoff, then marked failed. Light and heavy (photo) events have
 * separate slots, so photo processing never delays quick answers.
 *
 * Stopping (src/app/start-bot.ts): `finish` drains within a deadline, `stop` ends the claims and
 * waits for running handlers, and `handBack` gives whatever still runs back to the inbox
 * (Inbox.release: pending at once, the attempt not counted), so the next start or another
 * instance takes it without waiting for this instance's lease to run out. Events claimed after
 * the stop, and handlers that fail once stopped, are handed back the same way.
 */
import { lazyChild, type Logger } from '../logger.ts';
import type { Inbox, InboxEvent, InboxLane } from '../store/store.ts';

export type EventHandler = (event: InboxEvent, log: Logger) => Promise<void>;

export interface Dispatcher {
  /** Starts working (idempotent). */
  start(): Promise<void>;
  /** Tells the dispatcher new work is in the inbox (cheap; call after every accept). */
  notify(): void;
  /**
   * Resolves when nothing is running and no due event is waiting (tests, shutdown).
   * `timeoutMs` bounds the wait; resolves false on timeout.
   */
  drain(timeoutMs?: number): Promise<boolean>;
  /**
   * Shutdown drain: like `drain`, but a failure from now on is retried only after the longest
   * retry delay (at the next start, typically), so a failing event can't keep the drain busy.
   * Resolves false on timeout.
   */
  finish(timeoutMs: number): Promise<boolean>;
  /** Stops claiming new events and waits (bounded) for running ones. */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * After `stop`: hands every event still running back to the inbox (Inbox.release) and ignores
   * what its handler does from now on. Call it once this process can no longer act for those
   * events (the platform closed), so a retry elsewhere can't overlap with this attempt's
   * effects. Resolves the number handed back.
   */
  handBack(): Promise<number>;
  /** Events running right now. */
  inFlight(): number;
}

export interface DispatcherOptions {
  inbox: Inbox;
  handle: EventHandler;
  logger: Logger;
  /** Light events handled at once (default 4). */
  concurrency?: number;
  /** Heavy (photo) events handled at once (default 2); they never take a light slot. */
  heavyConcurrency?: number;
  /** Attempts before an event is marked failed (default DEFAULT_MAX_ATTEMPTS = 8). */
  maxAttempts?: number;
  /** Delay before retry n (1-based), ms (default 1000·2^(n-1), at most 60 000: about 2 minutes over 8 attempts). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * How often the lease of a running event is renewed, ms (default 10 000; keep it well under
   * the store's lease, 30 s by default).
   */
  renewEveryMs?: number;
  /** How often due retries and expired leases are looked for, ms (default 500). */
  pollMs?: number;
  /**
   * True for a handler error that means "not before the shutdown deadline" (the platform
   * refused a call that would have waited past it). During `finish` such an event is handed back
   * at once instead of counted as a failed attempt, and its lane claims no more: its work can't
   * be done before the deadline either.
   */
  isStopRefusal?: (error: unknown) => boolean;
  now?: () => number;
}

interface Lane {
  name: InboxLane;
  limit: number;
  running: Set<Promise<void>>;
  claiming: boolean;
  /** The claim loop while `claiming` (stop waits for it: a claim may be on its way back). */
  pumping: Promise<void> | undefined;
  again: boolean;
  lastClaimEmpty: boolean;
  /** No more claims in this lane (a stop refusal during `finish`). */
  ended: boolean;
}

/** A claimed event whose handler has not settled. */
interface Held {
  event: InboxEvent;
  renew: NodeJS.Timeout;
  /** Given back to the inbox: whatever the handler does from now on is not recorded. */
  handedBack: boolean;
}

/**
 * Attempts per event by default. A transient failure (RingCentral busy or unreachable) is retried
 * with backoff for about 2 minutes in all (1, 2, 4, 8, 16, 32, 60 s), so a short outage doesn't
 * lose an accepted request. Keep in step with FINAL_ATTEMPT in commands/reply-with-error.ts.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;
const MAX_RETRY_DELAY_MS = 60_000;

/** Creates a dispatcher over the inbox; see Dispatcher for the lifecycle. */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const retryDelay = opts.retryDelayMs ?? ((n) => Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (n - 1)));
  const now = opts.now ?? Date.now;
  const lanes: Lane[] = [
    { name: 'light', limit: opts.concurrency ?? 4, running: new Set(), claiming: false, pumping: undefined, again: false, lastClaimEmpty: false, ended: false },
    { name: 'heavy', limit: opts.heavyConcurrency ?? 2, running: new Set(), claiming: false, pumping: undefined, again: false, lastClaimEmpty: false, ended: false },
  ];
  const held = new Map<string, Held>();
  let started = false;
  let stopped = false;
  let finishing = false;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: Array<() => void> = [];

  const isIdle = () => lanes.every((l) => l.running.size === 0 && l.lastClaimEmpty && !l.claiming);
  function settleIdle() {
    if (!isIdle()) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  }

  /** Gives claimed events back to the inbox (logged); never rejects. */
  async function release(uuids: string[], why: string): Promise<number> {
    if (uuids.length === 0) return 0;
    try {
      const back = await opts.inbox.release(uuids, now());
      opts.logger.info({ eventUuids: back, why }, 'handed events back to the inbox: due again now, for this or another instance');
      return back.length;
    } catch (e) {
      opts.logger.error({ err: e, eventUuids: uuids }, 'could not hand events back; they run again once their lease expires');
      return 0;
    }
  }

  async function runOne(lane: Lane, event: InboxEvent) {
    const log = lazyChild(opts.logger, { eventUuid: event.uuid, source: event.source, attempt: event.attempts });
    const renew = setInterval(() => {
      opts.inbox.renewLease(event.uuid, now()).then(
        (held) => {
          if (!held) log.warn('lost the lease on this event; another instance may take it over');
        },
        (e: unknown) => log.warn({ err: e }, 'could not renew the lease on this event'),
      );
    }, opts.renewEveryMs ?? 10_000);
    renew.unref();
    const mine: Held = { event, renew, handedBack: false };
    held.set(event.uuid, mine);
    let outcome: { ok: true } | { ok: false; error: unknown };
    try {
      await opts.handle(event, log);
      outcome = { ok: true };
    } catch (e) {
      outcome = { ok: false, error: e };
    } finally {
      clearInterval(renew);
      held.delete(event.uuid);
    }
    if (mine.handedBack) {
      log.info({ ok: outcome.ok }, 'the handler of an event handed back ended; its result is not recorded');
      return;
    }
    if (outcome.ok) {
      await opts.inbox.markDone(event.uuid, now());
      return;
    }
    const e = outcome.error;
    if (stopped || (finishing && opts.isStopRefusal?.(e))) {
      // The stop cut this attempt short: not the event's failure.
      if (!stopped) lane.ended = true;
      log.info({ err: e }, 'the stop interrupted this event; handing it back');
      await release([event.uuid], 'interrupted by the stop');
      return;
    }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (event.attempts < maxAttempts) {
      const retryAt = now() + (finishing ? MAX_RETRY_DELAY_MS : retryDelay(event.attempts));
      log.warn({ err: e, retryAt: new Date(retryAt).toISOString() }, 'event handler failed; will retry');
      await opts.inbox.markFailed(event.uuid, message, now(), retryAt);
    } else {
      log.error({ err: e }, 'event handler failed; giving up on this event');
      await opts.inbox.markFailed(event.uuid, message, now());
    }
  }

  /** Runs one claimed event in `lane`'s slots; when it ends the lane claims again. */
  function startOne(lane: Lane, event: InboxEvent) {
    if (event.takenOver) opts.logger.warn({ eventUuid: event.uuid, attempt: event.attempts }, 'took over an event whose lease had expired');
    const p: Promise<void> = runOne(lane, event)
      .catch((e: unknown) => opts.logger.error({ err: e, eventUuid: event.uuid }, 'inbox update failed'))
      .finally(() => {
        lane.running.delete(p);
        void pumpLane(lane);
      });
    lane.running.add(p);
  }

  async function pumpLane(lane: Lane): Promise<void> {
    if (!started || stopped) return;
    if (lane.ended) {
      lane.lastClaimEmpty = true;
      settleIdle();
      return;
    }
    if (lane.claiming) {
      lane.again = true;
      return lane.pumping;
    }
    lane.claiming = true;
    lane.pumping = claimLoop(lane);
    return lane.pumping;
  }

  async function claimLoop(lane: Lane): Promise<void> {
    try {
      do {
        lane.again = false;
        while (lane.running.size < lane.limit && !stopped && !lane.ended) {
          const events = await opts.inbox.claimBatch(now(), lane.name, lane.limit - lane.running.size);
          lane.lastClaimEmpty = events.length === 0;
          if (lane.lastClaimEmpty) break;
          if (stopped || lane.ended) {
            // Claimed while the stop began: never started, so straight back to the inbox.
            lane.lastClaimEmpty = true;
            await release(events.map((e) => e.uuid), 'claimed as the stop began');
            break;
          }
          for (const event of events) startOne(lane, event);
        }
      } while (lane.again && !stopped && !lane.ended);
    } catch (e) {
      opts.logger.error({ err: e }, 'dispatcher could not read the inbox');
    } finally {
      lane.claiming = false;
      lane.pumping = undefined;
      settleIdle();
    }
  }

  function pump() {
    for (const lane of lanes) void pumpLane(lane);
  }

  return {
    async start() {
      if (started) return;
      started = true;
      timer = setInterval(pump, opts.pollMs ?? 500);
      timer.unref();
      pump();
    },
    notify() {
      pump();
    },
    async drain(timeoutMs = 15_000) {
      if (!started) return true;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const l of lanes) l.lastClaimEmpty = false;
        const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
        pump();
        const left = deadline - Date.now();
        if (left <= 0) return false;
        let t: NodeJS.Timeout | undefined;
        const ok = await Promise.race([idle.then(() => true), new Promise<boolean>((r) => (t = setTimeout(() => r(false), left)))]);
        clearTimeout(t);
        if (!ok) return false;
        // A lane whose claims ended (stop refusal) may leave due work behind: not drained.
        if (lanes.every((l) => l.running.size === 0 && !l.claiming)) return !lanes.some((l) => l.ended);
      }
    },
    finish(timeoutMs) {
      finishing = true;
      return this.drain(timeoutMs);
    },
    async stop(timeoutMs = 10_000) {
      stopped = true;
      if (timer) clearInterval(timer);
      let t: NodeJS.Timeout | undefined;
      const all = lanes.flatMap((l) => [...l.running, ...(l.pumping ? [l.pumping] : [])]);
      await Promise.race([Promise.allSettled(all), new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
      clearTimeout(t);
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    },
    async handBack() {
      const still = [...held.values()];
      for (const h of still) {
        h.handedBack = true;
        clearInterval(h.renew);
      }
      return release(still.map((h) => h.event.uuid), 'still running when the stop ended');
    },
    inFlight() {
      return lanes.reduce((n, l) => n + l.running.size, 0);
    },
  };
}
