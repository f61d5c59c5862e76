/**
 * `POST /webhook`, in the order of docs/architecture.md#the-event-path:
 * 1. `Validation-Token` with an empty body → 200 echoing the header, empty body, nothing else;
 * 2. `Verification-Token` checked in constant time → 401, nothing stored;
 * 3. malformed JSON (or JSON that is not an object) → 400, nothing stored; a JSON object without
 *    a usable uuid or body, or one that can't be stored (nested deeper than
 *    MAX_NOTIFICATION_DEPTH) → 200 and a warning, nothing stored
 *    (RingCentral counts 4xx towards blacklisting, and only RingCentral gets past step 2);
 * 4. uuid seen before → 200; otherwise the event is committed to the inbox (group commit with the
 *    accepts arriving at the same time; an event the bot won't act on is kept as done, for
 *    deduplication only), then 200.
 * The dispatcher is woken only once the answer is written (docs/performance.md), so no claim
 * runs before the 200; a handler's failure never becomes a webhook error.
 */
import type Router from '@koa/router';
import { WebhookPayloadError, WebhookVerificationError } from '../errors.ts';
import { isRecord, toNotificationEnvelope } from '../events/parse-notification.ts';
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';
import { notificationDelivery } from '../events/inbox-delivery.ts';
import type { AppDeps } from './app-deps.ts';
import { readRawBody } from './read-raw-body.ts';
import { verifyVerificationToken } from './verify-verification-token.ts';

/** Mounts the webhook route on `router`. */
export function mountWebhookRoute(router: Router, deps: AppDeps): void {
  const wake = () => deps.dispatcher.notify();
  router.post('/webhook', async (ctx) => {
    const validationToken = ctx.get('Validation-Token');
    const raw = await readRawBody(ctx, deps.maxBodyBytes);
    if (validationToken && raw.length === 0) {
      ctx.set('Validation-Token', validationToken);
      ctx.type = 'application/json';
      ctx.status = 200;
      ctx.body = '';
      deps.logger.info('subscription validation handshake answered');
      return;
    }
    if (!verifyVerificationToken(ctx.get('Verification-Token') || undefined, deps.verificationToken)) {
      throw new WebhookVerificationError(
        'Verification-Token missing or wrong; the subscription must be created with this bot\'s WEBHOOK_VERIFICATION_TOKEN',
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new WebhookPayloadError('Body is not valid JSON', e);
    }
    let envelope: NotificationEnvelope;
    try {
      // A value JSON.parse made within the depth limit always serializes again, so the inbox's
      // JSON.stringify can't fail on it: no trial serialization here.
      envelope = toNotificationEnvelope(value);
    } catch (e) {
      if (!isRecord(value)) throw e;
      // Verified, so RingCentral sent it: a JSON object we can't use (no uuid, no body object) is
      // acknowledged and dropped, since RingCentral counts every 4xx towards blacklisting the webhook.
      deps.logger.warn({ err: e, event: typeof value.event === 'string' ? value.event : undefined }, 'notification without a usable uuid or body; acknowledged and ignored');
      ctx.state.outcome = 'ignored';
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    const noWork = deps.needsNoWork?.(envelope) ?? false;
    const outcome = await deps.store.inbox.accept(notificationDelivery('webhook', envelope, noWork), deps.now());
    ctx.state.eventUuid = envelope.uuid;
    ctx.state.outcome = outcome;
    deps.onNotification?.();
    if (outcome === 'accepted' && !noWork) ctx.res.once('finish', wake);
    ctx.status = 200;
    ctx.body = '';
  });
}
