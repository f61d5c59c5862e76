/**
 * `POST /interactive`: Adaptive Card submissions (Action.Submit). The `X-Glip-Signature` is
 * checked over the raw body first; accepted submissions go through the inbox like notifications
 * and are answered 200 at once (docs/ringcentral-notes.md §6 "Response").
 */
import crypto from 'node:crypto';
import type Router from '@koa/router';
import { BotError, WebhookPayloadError } from '../errors.ts';
import { isRecord } from '../events/parse-notification.ts';
import { jsonDepthExceeds, MAX_NOTIFICATION_DEPTH } from '../events/json-depth.ts';
import { submissionFairKey } from '../events/inbox-delivery.ts';
import type { AppDeps } from './app-deps.ts';
import { readRawBody } from './read-raw-body.ts';
import { verifyGlipSignature } from './verify-glip-signature.ts';

/** Mounts the interactive-messages route on `router`. */
export function mountInteractiveRoute(router: Router, deps: AppDeps): void {
  router.post('/interactive', async (ctx) => {
    const raw = await readRawBody(ctx, deps.maxBodyBytes);
    if (!deps.sharedSecret) {
      deps.logger.warn('card submission refused: set RINGCENTRAL_SHARED_SECRET to the app\'s shared secret to accept them');
      throw new BotError('SIGNATURE_INVALID', 'Card submissions are not configured', { status: 401, expose: false });
    }
    if (!verifyGlipSignature(raw, ctx.get('X-Glip-Signature') || undefined, deps.sharedSecret)) {
      throw new BotError('SIGNATURE_INVALID', 'X-Glip-Signature missing or wrong', { status: 401, expose: false });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new WebhookPayloadError('Body is not valid JSON', e);
    }
    if (!isRecord(payload)) throw new WebhookPayloadError('Submission must be a JSON object');
    // Storing it would overflow the stack (JSON.stringify recurses); RingCentral's are a few levels deep.
    if (jsonDepthExceeds(payload, MAX_NOTIFICATION_DEPTH)) throw new WebhookPayloadError(`Submission nests deeper than ${MAX_NOTIFICATION_DEPTH} levels`);
    const uuid =
      typeof payload.uuid === 'string' && payload.uuid
        ? `card:${payload.uuid}`
        : `card:${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
    const outcome = await deps.store.inbox.accept({ uuid, source: 'interactive', payload, fairKey: submissionFairKey(payload) }, deps.now());
    if (outcome === 'accepted') deps.dispatcher.notify();
    ctx.status = 200;
    ctx.body = '';
  });
}
