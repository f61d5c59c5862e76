import { randomUUID } from 'node:crypto';
import type { Caller, EmulatorState } from '../emulator-state.ts';
import type { EmulatorSubscription } from '../messaging-records.ts';
import { normalizeFilters } from './subscription-filters.ts';
import { forgetSubscription, subscriptionRuntime } from './subscription-runtime.ts';
import { validateWebhook } from './webhook-client.ts';
import { ApiError } from '../api-error.ts';

/**
 * Subscriptions: create (WebHook over HTTP, WebSocket over the gateway), read, list, update,
 * renew, delete, blacklist; and their `SubscriptionInfo` view (SPEC; docs/ringcentral-notes.md §2.6).
 * Times come from the emulator clock.
 */

/** Default WebHook lifetime, seconds (SPEC example answers `expiresIn: 604799` when none is given). */
export const DEFAULT_EXPIRES_IN_S = 604_800;
/** Longest WebHook lifetime, seconds (SPEC UpdateSubscriptionRequest: 315360000, 10 years). */
export const MAX_EXPIRES_IN_S = 315_360_000;
/** Lifetime shown for WebSocket subscriptions; they live as long as their session (SPEC: `expiresIn` ignored). */
export const WEBSOCKET_EXPIRES_IN_S = 86_400;
/** Subscriptions per extension per app (SPEC createSubscription description) → 403 SUB-505. */
export const MAX_SUBSCRIPTIONS_PER_OWNER = 30;

/** Whether a subscription has passed its expiration time (WebSocket ones never do while kept). */
export function isExpired(state: EmulatorState, sub: EmulatorSubscription): boolean {
  return sub.transportType === 'WebHook' && sub.expiresAt <= state.clock.now();
}

/** `SubscriptionInfo` (SPEC): `expiresIn` is the remaining lifetime in whole seconds. */
export function subscriptionView(state: EmulatorState, sub: EmulatorSubscription): Record<string, unknown> {
  const deliveryMode: Record<string, unknown> = { transportType: sub.transportType, encryption: false };
  if (sub.address !== undefined) deliveryMode.address = sub.address;
  const view: Record<string, unknown> = {
    uri: `${state.baseUrl}/restapi/v1.0/subscription/${sub.id}`,
    id: sub.id,
    creationTime: sub.creationTime,
    status: sub.status === 'Blacklisted' ? 'Blacklisted' : 'Active',
    eventFilters: [...sub.eventFilters],
    expirationTime: new Date(sub.expiresAt).toISOString(),
    expiresIn: Math.max(0, Math.floor((sub.expiresAt - state.clock.now()) / 1000)),
    deliveryMode,
  };
  if (sub.blacklistedData) view.blacklistedData = { ...sub.blacklistedData };
  return view;
}

function parseExpiresIn(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_EXPIRES_IN_S;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ApiError(400, 'CMN-101', 'Parameter [expiresIn] value is invalid.', 'expiresIn');
  }
  return Math.min(value, MAX_EXPIRES_IN_S);
}

function countOwned(state: EmulatorState, caller: Caller): number {
  let n = 0;
  for (const s of state.subscriptions.values()) {
    if (s.ownerExtensionId === caller.extensionId && s.clientId === caller.clientId && !isExpired(state, s)) n += 1;
  }
  return n;
}

/**
 * Creates a WebHook subscription from a `CreateSubscriptionRequest` body, running the
 * validation handshake first (webhook-client.ts). `expiresIn` is read at the top level only
 * (default 604800 s; `deliveryMode.expiresIn` is ignored). Throws ApiError: 400 CMN-101
 * for a missing/invalid field, filter errors from normalizeFilters, 403 SUB-505 over 30,
 * 400 SUB-520/521/525 from the handshake.
 */
export async function createWebhookSubscription(
  state: EmulatorState,
  caller: Caller,
  body: Record<string, unknown>,
): Promise<EmulatorSubscription> {
  const mode = body.deliveryMode as Record<string, unknown> | undefined;
  if (typeof mode !== 'object' || mode === null) {
    throw new ApiError(400, 'CMN-101', 'Parameter [deliveryMode] value is invalid.', 'deliveryMode');
  }
  if (mode.transportType !== 'WebHook') {
    // WebSocket subscriptions are created over the WebSocket gateway (docs/ringcentral-notes.md §8.3 step 5).
    throw new ApiError(400, 'CMN-101', 'Parameter [deliveryMode.transportType] value is invalid.', 'deliveryMode.transportType');
  }
  const address = typeof mode.address === 'string' ? mode.address : '';
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ApiError(400, 'CMN-101', 'Parameter [deliveryMode.address] value is invalid.', 'deliveryMode.address');
  }
  const verificationToken = mode.verificationToken;
  if (verificationToken !== undefined && typeof verificationToken !== 'string') {
    throw new ApiError(400, 'CMN-101', 'Parameter [deliveryMode.verificationToken] value is invalid.', 'deliveryMode.verificationToken');
  }
  const eventFilters = normalizeFilters(state, body.eventFilters, caller.extensionId);
  const expiresIn = parseExpiresIn(body.expiresIn);
  if (countOwned(state, caller) >= MAX_SUBSCRIPTIONS_PER_OWNER) {
    throw new ApiError(403, 'SUB-505', 'Subscriptions limit exceeded');
  }
  const check = await validateWebhook(address, state.settings.webhookTimeoutMs, subscriptionRuntime(state).abort.signal);
  if (!check.ok) throw new ApiError(400, check.errorCode, check.message);
  // Counted again: other creations by the same owner may have finished during the handshake.
  if (countOwned(state, caller) >= MAX_SUBSCRIPTIONS_PER_OWNER) {
    throw new ApiError(403, 'SUB-505', 'Subscriptions limit exceeded');
  }
  const sub: EmulatorSubscription = {
    id: randomUUID(),
    eventFilters,
    transportType: 'WebHook',
    address,
    status: 'Active',
    creationTime: state.isoNow(),
    expiresAt: state.clock.now() + expiresIn * 1000,
    expiresIn,
    ownerExtensionId: caller.extensionId,
    clientId: caller.clientId,
    failedDeliveries: 0,
  };
  if (typeof verificationToken === 'string') sub.verificationToken = verificationToken;
  state.subscriptions.set(sub.id, sub);
  return sub;
}

/**
 * Creates a WebSocket subscription bound to a gateway session (docs/ringcentral-notes.md §8.3 step 5).
 * Same filter rules and limit as WebHook ones.
 */
export function createWebSocketSubscription(
  state: EmulatorState,
  caller: Caller,
  body: Record<string, unknown>,
  sessionId: string,
): EmulatorSubscription {
  const eventFilters = normalizeFilters(state, body.eventFilters, caller.extensionId);
  if (countOwned(state, caller) >= MAX_SUBSCRIPTIONS_PER_OWNER) {
    throw new ApiError(403, 'SUB-505', 'Subscriptions limit exceeded');
  }
  const sub: EmulatorSubscription = {
    id: randomUUID(),
    eventFilters,
    transportType: 'WebSocket',
    status: 'Active',
    creationTime: state.isoNow(),
    expiresAt: state.clock.now() + WEBSOCKET_EXPIRES_IN_S * 1000,
    expiresIn: WEBSOCKET_EXPIRES_IN_S,
    ownerExtensionId: caller.extensionId,
    clientId: caller.clientId,
    failedDeliveries: 0,
  };
  state.subscriptions.set(sub.id, sub);
  subscriptionRuntime(state).webSocketSessions.set(sub.id, sessionId);
  return sub;
}

/**
 * The caller's subscription by id. Unknown or someone else's → 404 CMN-120 "Invalid URI"
 * (SPEC46 GET subscription); expired → 404 SUB-507 (docs/ringcentral-notes.md §2.6). With `allowExpired`
 * an expired one is returned (used by DELETE, so expired ones can be cleaned up).
 */
export function getOwnSubscription(
  state: EmulatorState,
  caller: Caller,
  id: string,
  allowExpired = false,
): EmulatorSubscription {
  const sub = state.subscriptions.get(id);
  if (!sub || sub.ownerExtensionId !== caller.extensionId || sub.clientId !== caller.clientId) {
    throw new ApiError(404, 'CMN-120', 'Invalid URI');
  }
  if (!allowExpired && isExpired(state, sub)) throw new ApiError(404, 'SUB-507', 'Subscription is expired');
  return sub;
}

/** The caller's subscriptions that have not expired, oldest first (SPEC: at most 30 records). */
export function listOwnSubscriptions(state: EmulatorState, caller: Caller): EmulatorSubscription[] {
  return [...state.subscriptions.values()].filter(
    (s) => s.ownerExtensionId === caller.extensionId && s.clientId === caller.clientId && !isExpired(state, s),
  );
}

/** Restarts a subscription's lifetime from now with its `expiresIn` (POST …/renew). */
export function renewSubscription(state: EmulatorState, sub: EmulatorSubscription): EmulatorSubscription {
  sub.expiresAt = state.clock.now() + sub.expiresIn * 1000;
  subscriptionRuntime(state).reminderSentAt.delete(sub.id);
  return sub;
}

/**
 * PUT body `{eventFilters?, expiresIn?}`: replaces filters when given, sets the lifetime when
 * given, and renews in every case (an empty body renews; docs/ringcentral-notes.md §2.6).
 */
export function updateSubscription(
  state: EmulatorState,
  sub: EmulatorSubscription,
  body: Record<string, unknown>,
): EmulatorSubscription {
  if (body.eventFilters !== undefined) sub.eventFilters = normalizeFilters(state, body.eventFilters, sub.ownerExtensionId);
  if (body.expiresIn !== undefined && sub.transportType === 'WebHook') sub.expiresIn = parseExpiresIn(body.expiresIn);
  return renewSubscription(state, sub);
}

/** Deletes a subscription and drops its pending deliveries. */
export function deleteSubscription(state: EmulatorState, id: string): void {
  state.subscriptions.delete(id);
  forgetSubscription(state, id);
}

/**
 * Marks a subscription Blacklisted with `blacklistedData{blacklistedAt, reason}` (sample
 * rest-subscription-list-blacklisted.json) and drops its pending deliveries. Nothing more is
 * delivered to it; only deleting and re-creating helps (docs/ringcentral-notes.md §3.5).
 */
export function blacklistSubscription(state: EmulatorState, sub: EmulatorSubscription, reason: string): void {
  sub.status = 'Blacklisted';
  sub.blacklistedData = { blacklistedAt: state.isoNow(), reason };
  const q = subscriptionRuntime(state).queues.get(sub.id);
  q?.clear();
}
