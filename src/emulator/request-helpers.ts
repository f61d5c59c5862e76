import type { Context, Next } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Caller, EmulatorState } from './emulator-state.ts';
import { ApiError } from './api-error.ts';

/**
 * HTTP plumbing shared by the routes of every room: who is calling, JSON bodies, query values
 * and list pagination. Errors are thrown as ApiError and rendered by `apiErrors()` (api-error.ts).
 */

/**
 * The authenticated caller of a request: `ctx.state.caller`, set by the platform's
 * authentication middleware (platform-middleware.ts), which runs before every messaging route and
 * answers 401 itself for missing, bad, revoked or expired tokens. Should a route ever be reached
 * without a caller, this throws ApiError 401 AGW-401.
 */
export function callerOf(ctx: Context, _state: EmulatorState): Caller {
  const caller = (ctx.state as { caller?: Caller }).caller;
  if (caller) return caller;
  throw new ApiError(401, 'AGW-401', 'Authorization header is not specified');
}

const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: '2mb' });
/** Control posts carry attachments as base64: room for a 25 MB phone photo. */
const parseLargeJson = bodyParser({ enableTypes: ['json'], jsonLimit: '40mb' });

/**
 * Parses a JSON body (up to 2 MB) into `ctx.request.body` (skipped when an earlier middleware
 * already did). Unparseable JSON → 400 CMN-103 "JSON can't be parsed" (docs/ringcentral-notes.md §5 key
 * codes); a body over the limit → 413 CMN-413.
 */
export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  await parseWith(parseJson, ctx, next);
}

/** `jsonBody` with a 40 MB limit, for control routes whose body carries base64 attachments. */
export async function largeJsonBody(ctx: Context, next: Next): Promise<void> {
  await parseWith(parseLargeJson, ctx, next);
}

async function parseWith(parser: typeof parseJson, ctx: Context, next: Next): Promise<void> {
  try {
    await parser(ctx, async () => {});
  } catch (err) {
    if ((err as { status?: number }).status === 413) {
      throw new ApiError(413, 'CMN-413', 'Request entity too large');
    }
    throw new ApiError(400, 'CMN-103', "JSON can't be parsed");
  }
  await next();
}

/** The parsed JSON body as a plain object ({} when absent or not an object). */
export function bodyObject(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A single query value (first of repeated ones), or undefined. */
export function queryValue(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** All values of a query parameter, repeated or comma-separated (`type=Team&type=Group`, `type=Team,Group`). */
export function queryValues(ctx: Context, name: string): string[] {
  const v = ctx.query[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/**
 * Offset pagination with opaque page tokens, as TM lists use (`recordCount` ≤ 250, default 30;
 * `pageToken`; answer `navigation.{prevPageToken,nextPageToken}`; SPEC listGlipChatsNew).
 * Throws ApiError 400 CMN-101 for a bad recordCount or pageToken.
 */
export function paginate<T>(ctx: Context, items: T[]): { records: T[]; navigation: Record<string, string> } {
  const rc = queryValue(ctx, 'recordCount');
  const recordCount = rc === undefined ? 30 : Number(rc);
  if (!Number.isInteger(recordCount) || recordCount < 1 || recordCount > 250) {
    throw new ApiError(400, 'CMN-101', 'Parameter [recordCount] value is invalid.', 'recordCount');
  }
  const token = queryValue(ctx, 'pageToken');
  let offset = 0;
  if (token !== undefined) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded) throw new ApiError(400, 'CMN-101', 'Parameter [pageToken] value is invalid.', 'pageToken');
    offset = Number(decoded[1]);
  }
  const records = items.slice(offset, offset + recordCount);
  const navigation: Record<string, string> = {};
  const tokenFor = (o: number) => Buffer.from(`o${o}`).toString('base64url');
  if (offset + recordCount < items.length) navigation.nextPageToken = tokenFor(offset + recordCount);
  if (offset > 0) navigation.prevPageToken = tokenFor(Math.max(0, offset - recordCount));
  return { records, navigation };
}
