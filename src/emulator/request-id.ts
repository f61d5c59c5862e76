import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Name of the header RingCentral puts on every API answer to identify the request in its logs. */
export const REQUEST_ID_HEADER = 'RCRequestId';

/** A fresh request id (a UUID, the form RingCentral's ids take). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Sets `RCRequestId` on every answer of the emulator (API, OAuth, media, errors, unknown
 * paths, the control API), as RingCentral does: its 401 answers quoted in docs/ringcentral-notes.md
 * §5 and its WebSocket frames (docs/ringcentral-notes.md §8.3) carry one. Mounted first, so every later
 * middleware's answer keeps it; `apiErrors()` does not clear headers.
 */
export async function requestId(ctx: Context, next: Next): Promise<void> {
  ctx.set(REQUEST_ID_HEADER, newRequestId());
  await next();
}
