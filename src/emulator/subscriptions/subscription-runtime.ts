import PQueue from 'p-queue';
import type { EmulatorState } from '../emulator-state.ts';

/**
 * Machinery behind subscriptions that is not data: per-subscription delivery queues, the
 * WebSocket session each WebSocket subscription lives on, reminder bookkeeping, and an abort
 * signal that ends in-flight HTTP work on close/reset. One per EmulatorState.
 */
export interface SubscriptionRuntime {
  /** Subscription id → queue (concurrency 1: deliveries stay in order per subscription). */
  queues: Map<string, PQueue>;
  /** WebSocket subscription id → gateway session id. */
  webSocketSessions: Map<string, string>;
  /** Subscription id → emulator ms of the last renewal reminder sent. */
  reminderSentAt: Map<string, number>;
  /** Aborted on close and on reset; replaced with a fresh one after reset. */
  abort: AbortController;
  /** Set by the WebSocket gateway: sends a notification envelope to a session (buffers while it is away). */
  sendToSession?: (sessionId: string, envelope: Record<string, unknown>) => void;
  /** Set by the WebSocket gateway: drops sockets; `recover:false` also forgets their sessions. Returns the count. */
  dropSockets?: (recover: boolean) => number;
}

const runtimes = new WeakMap<EmulatorState, SubscriptionRuntime>();

/** The runtime of a state, created on first use. */
export function subscriptionRuntime(state: EmulatorState): SubscriptionRuntime {
  let rt = runtimes.get(state);
  if (!rt) {
    rt = { queues: new Map(), webSocketSessions: new Map(), reminderSentAt: new Map(), abort: new AbortController() };
    runtimes.set(state, rt);
  }
  return rt;
}

/** The delivery queue of a subscription (created on first use). */
export function deliveryQueue(state: EmulatorState, subscriptionId: string): PQueue {
  const rt = subscriptionRuntime(state);
  let q = rt.queues.get(subscriptionId);
  if (!q) {
    q = new PQueue({ concurrency: 1 });
    rt.queues.set(subscriptionId, q);
  }
  return q;
}

/** Forgets everything about one subscription (its pending deliveries are dropped). */
export function forgetSubscription(state: EmulatorState, subscriptionId: string): void {
  const rt = subscriptionRuntime(state);
  rt.queues.get(subscriptionId)?.clear();
  rt.queues.delete(subscriptionId);
  rt.webSocketSessions.delete(subscriptionId);
  rt.reminderSentAt.delete(subscriptionId);
}
