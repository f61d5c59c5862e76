import { randomUUID } from 'node:crypto';
import type { EmulatorState, PlatformEvent } from '../emulator-state.ts';
import type { EmulatorSubscription } from '../messaging-records.ts';
import { filterMatches, parseFilter } from './subscription-filters.ts';
import { deliveryQueue, subscriptionRuntime } from './subscription-runtime.ts';
import { blacklistSubscription, isExpired } from './subscription-store.ts';
import { legacyGroupType } from '../messaging/chat-store.ts';
import type { ChatType } from '../messaging-records.ts';
import { postNotification } from './webhook-client.ts';

/** How often renewal reminders are checked, ms of real time. */
export const REMINDER_CHECK_MS = 1000;

/** The notification envelope (docs/ringcentral-notes.md §3 "Notification request format"). */
export interface NotificationEnvelope extends Record<string, unknown> {
  uuid: string;
  event: string;
  timestamp: string;
  subscriptionId: string;
  ownerId: string;
  body: Record<string, unknown>;
}

function canDeliver(state: EmulatorState, sub: EmulatorSubscription): boolean {
  return state.subscriptions.get(sub.id) === sub && sub.status === 'Active' && !isExpired(state, sub);
}

function bodyFor(filter: string, event: PlatformEvent): Record<string, unknown> {
  const parsed = parseFilter(filter);
  if (parsed?.kind === 'chats' && parsed.legacy && typeof event.body.type === 'string') {
    return { ...event.body, type: legacyGroupType(event.body.type as ChatType) };
  }
  return { ...event.body };
}

/**
 * Hands one envelope to a subscription's transport: WebSocket → the gateway session (in order,
 * buffered while the socket is away); WebHook → a queued POST (in order per subscription,
 * asynchronous). A WebHook delivery that fails (non-2xx, network error) or exceeds
 * `settings.webhookTimeoutMs` counts; `settings.blacklistAfterFailures` consecutive ones blacklist
 * the subscription; a success resets the count. Failed deliveries are not retried (RingCentral
 * documents no redelivery: docs/ringcentral-notes.md §3).
 */
export function deliver(state: EmulatorState, sub: EmulatorSubscription, envelope: NotificationEnvelope): void {
  const rt = subscriptionRuntime(state);
  if (sub.transportType === 'WebSocket') {
    const session = rt.webSocketSessions.get(sub.id);
    if (session !== undefined) rt.sendToSession?.(session, envelope);
    return;
  }
  const signal = rt.abort.signal;
  void deliveryQueue(state, sub.id)
    .add(async () => {
      if (!canDeliver(state, sub) || signal.aborted) return;
      const result = await postNotification(
        sub.address as string,
        envelope,
        sub.verificationToken,
        state.settings.webhookTimeoutMs,
        signal,
      );
      if (signal.aborted || state.subscriptions.get(sub.id) !== sub) return;
      if (result.ok) {
        sub.failedDeliveries = 0;
        return;
      }
      sub.failedDeliveries += 1;
      if (sub.failedDeliveries >= state.settings.blacklistAfterFailures && sub.status === 'Active') {
        blacklistSubscription(state, sub, result.reason);
      }
    })
    .catch(() => undefined);
}

/**
 * Routes a published PlatformEvent to every Active, unexpired subscription with a matching
 * filter whose owner is in the event's audience (chat members for post events; the joining or
 * leaving person for chat events). One notification per subscription per event; its `event` is
 * the subscription's matching filter.
 */
export function dispatchEvent(state: EmulatorState, event: PlatformEvent): void {
  for (const sub of state.subscriptions.values()) {
    if (!canDeliver(state, sub)) continue;
    if (event.audience && !event.audience.includes(sub.ownerExtensionId)) continue;
    const filter = sub.eventFilters.find((f) => filterMatches(state, f, event.event));
    if (filter === undefined) continue;
    deliver(state, sub, envelopeFor(state, sub, filter, bodyFor(filter, event)));
  }
}

/** A notification for `sub`: a fresh uuid per subscription (as RingCentral does), the matched filter as `event`, now. */
function envelopeFor(state: EmulatorState, sub: EmulatorSubscription, filter: string, body: Record<string, unknown>): NotificationEnvelope {
  return { uuid: randomUUID(), event: filter, timestamp: state.isoNow(), subscriptionId: sub.id, ownerId: sub.ownerExtensionId, body };
}

/**
 * Sends renewal reminders: a subscription with the filter
 * `/restapi/v1.0/subscription/~?threshold=T&interval=I` gets a notification when it has T seconds
 * or less to live, then every I seconds (emulator clock) until renewed or expired
 * (docs/ringcentral-notes.md §2.6). Body (not documented; our choice):
 * `{subscriptionId, expirationTime, expiresIn}`.
 */
export function checkReminders(state: EmulatorState): void {
  const rt = subscriptionRuntime(state);
  const now = state.clock.now();
  for (const sub of state.subscriptions.values()) {
    if (!canDeliver(state, sub)) continue;
    for (const filter of sub.eventFilters) {
      const parsed = parseFilter(filter);
      if (parsed?.kind !== 'reminder') continue;
      const remainingMs = sub.expiresAt - now;
      if (remainingMs > (parsed.threshold as number) * 1000) continue;
      const last = rt.reminderSentAt.get(sub.id);
      if (last !== undefined && now - last < (parsed.interval as number) * 1000) continue;
      rt.reminderSentAt.set(sub.id, now);
      deliver(
        state,
        sub,
        envelopeFor(state, sub, filter, {
          subscriptionId: sub.id,
          expirationTime: new Date(sub.expiresAt).toISOString(),
          expiresIn: Math.max(0, Math.floor(remainingMs / 1000)),
        }),
      );
    }
  }
}

/**
 * Starts notification delivery for a state: listens on `state.bus` `'event'` (PlatformEvent) and
 * `'reset'` (drops queues and pending work), and checks renewal reminders every second.
 * Returns a stop function that aborts in-flight POSTs and waits for the queues to settle.
 */
export function startSubscriptionDelivery(state: EmulatorState): () => Promise<void> {
  const onEvent = (event: PlatformEvent) => dispatchEvent(state, event);
  const onReset = () => {
    const rt = subscriptionRuntime(state);
    rt.abort.abort();
    for (const q of rt.queues.values()) q.clear();
    rt.queues.clear();
    rt.reminderSentAt.clear();
    rt.webSocketSessions.clear();
    rt.abort = new AbortController();
  };
  state.bus.on('event', onEvent);
  state.bus.on('reset', onReset);
  const timer = setInterval(() => checkReminders(state), REMINDER_CHECK_MS);
  timer.unref();
  return async () => {
    state.bus.off('event', onEvent);
    state.bus.off('reset', onReset);
    clearInterval(timer);
    const rt = subscriptionRuntime(state);
    rt.abort.abort();
    const queues = [...rt.queues.values()];
    for (const q of queues) q.clear();
    await Promise.all(queues.map((q) => q.onIdle()));
  };
}
