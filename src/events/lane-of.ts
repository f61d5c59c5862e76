/**
 * Which dispatch lane a delivery goes to, decided cheaply at accept time from the payload:
 * a PostAdded with attachments may mean downloading and processing a photo → `heavy`.
 * Sign-in completions (a photo upload) are heavy too; everything else is `light`.
 */
import type { InboxLane, InboxSource } from '../store/store.ts';
import { isRecord } from './parse-notification.ts';

/** The lane for an inbox payload of `source`. Pure. */
export function laneOf(source: InboxSource, payload: unknown): InboxLane {
  if (source === 'internal') return 'heavy';
  if (!isRecord(payload) || !isRecord(payload.body)) return 'light';
  const body = payload.body;
  return body.eventType === 'PostAdded' && Array.isArray(body.attachments) && body.attachments.length > 0 ? 'heavy' : 'light';
}
