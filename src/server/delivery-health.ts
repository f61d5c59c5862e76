/**
 * The event-delivery part of `GET /health`: what RingCentral last said about the subscription and
 * when, the last notification taken up, catch-up progress, and whether delivery is known to be
 * broken (then `/health` answers 503 so a load balancer or monitor notices). Pure.
 */
import type { EventDeliveryStatus } from '../platform/ringcentral-client.ts';
import type { CatchUpStatus } from '../events/catch-up.ts';

export interface DeliveryHealth {
  /** True when notifications are known not to arrive: Blacklisted, expired or no subscription, WebSocket down, repair failing. */
  broken: boolean;
  /** Why it is broken (empty when not). */
  problems: string[];
  eventDelivery: EventDeliveryStatus;
  /** When the newest notification (WebHook or WebSocket) this instance took up was received, ISO 8601. */
  lastNotificationAt?: string | undefined;
  catchUp: CatchUpStatus;
}

/** Builds the delivery part of /health; `now` and `lastNotificationAt` in ms since epoch. */
export function deliveryHealth(p: { status: EventDeliveryStatus; lastNotificationAt: number | undefined; catchUp: CatchUpStatus; now: number }): DeliveryHealth {
  const s = p.status;
  const problems: string[] = [];
  if (s.state === 'failed' || s.state === 'repairing') problems.push(`event delivery is ${s.state}${s.lastError ? `: ${s.lastError}` : ''}`);
  if (s.platformStatus && s.platformStatus !== 'Active') problems.push(`RingCentral says the subscription is ${s.platformStatus}`);
  if (s.state === 'active' && s.expiresAt && Date.parse(s.expiresAt) <= p.now) problems.push('the subscription has expired');
  return {
    broken: problems.length > 0,
    problems,
    eventDelivery: s,
    ...(p.lastNotificationAt !== undefined ? { lastNotificationAt: new Date(p.lastNotificationAt).toISOString() } : {}),
    catchUp: p.catchUp,
  };
}
