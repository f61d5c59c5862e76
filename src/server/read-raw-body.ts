/**
 * Reads a request body as bytes with a size cap (raw-body). Past the cap the request is answered
 * 413 by the error middleware; an aborted upload gives 400.
 */
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { BotError } from '../errors.ts';

/** The body bytes (empty Buffer when there is none); throws an HTTP 413/400 error past `limitBytes`. */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  try {
    return await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('content-length') || undefined });
  } catch (e) {
    const status = (e as { status?: number }).status ?? 400;
    const err = new BotError('WEBHOOK_MALFORMED', status === 413 ? `Body larger than ${limitBytes} bytes` : 'Body could not be read', {
      status: status === 413 ? 413 : 400,
      expose: true,
      cause: e,
    });
    throw err;
  }
}
