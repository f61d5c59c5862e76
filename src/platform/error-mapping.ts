/**
 * Turns RingCentral's error answers into `PlatformError`s with a `kind` the bot can act on.
 *
 * Error bodies come in three shapes (docs/ringcentral-notes.md §5 "Error body", §2.1 OAuth errors):
 * - platform errors: `{errorCode, message, errors:[{errorCode, message, parameterName?}]}`
 *   (the top-level `errorCode` is sometimes missing, then `errors[0].errorCode` is used);
 * - OAuth errors: `{error: 'invalid_grant'|…, error_description, errors:[{errorCode:'OAU-…'}]}`;
 * - no JSON at all (a proxy's HTML page, an empty 503).
 */
import { PlatformError, type PlatformErrorKind } from './platform-errors.ts';

/** Codes that mean the bot extension is gone when they come back on the bot's own token (docs/ringcentral-notes.md §4 "Health check"). */
export const BOT_REMOVED_ERROR_CODES: ReadonlySet<string> = new Set(['OAU-232', 'CMN-405']);

/** What an error body says, whichever shape it has. */
export interface ErrorBodySummary {
  errorCode?: string;
  oauthError?: string;
  message?: string;
}

/** Reads `errorCode` (top level or `errors[0]`), the OAuth `error` and a message out of any body. */
export function summarizeErrorBody(body: unknown): ErrorBodySummary {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const first = Array.isArray(b.errors) && typeof b.errors[0] === 'object' && b.errors[0] !== null
    ? (b.errors[0] as Record<string, unknown>)
    : undefined;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const summary: ErrorBodySummary = {};
  const errorCode = str(b.errorCode) ?? str(first?.errorCode);
  const oauthError = str(b.error);
  const message = str(b.message) ?? str(b.error_description) ?? str(first?.message) ?? str(b.description);
  if (errorCode) summary.errorCode = errorCode;
  if (oauthError) summary.oauthError = oauthError;
  if (message) summary.message = message;
  return summary;
}

/**
 * Maps an HTTP error answer to a `PlatformError`.
 * - `onBotToken`: the call used the bot's token; then OAU-232 / CMN-405 mean kind 'bot-removed'.
 * - 429 → 'rate-limited' (`retryAfterMs` passed through), 5xx → 'unavailable',
 *   401 or an OAuth `error` on a token call → 'unauthorized', 403 → 'forbidden', 404 → 'not-found',
 *   other 4xx → 'bad-request'.
 */
export function platformErrorFromResponse(
  status: number,
  body: unknown,
  context: { onBotToken: boolean; what: string; retryAfterMs?: number },
): PlatformError {
  const { errorCode, oauthError, message } = summarizeErrorBody(body);
  let kind: PlatformErrorKind;
  if (context.onBotToken && errorCode && BOT_REMOVED_ERROR_CODES.has(errorCode)) kind = 'bot-removed';
  else if (status === 429) kind = 'rate-limited';
  else if (status >= 500) kind = 'unavailable';
  else if (status === 401) kind = 'unauthorized';
  else if (oauthError && oauthError !== 'invalid_request') kind = 'unauthorized';
  else if (status === 403) kind = 'forbidden';
  else if (status === 404) kind = 'not-found';
  else kind = 'bad-request';
  const text = `${context.what}: HTTP ${status}${errorCode ? ` ${errorCode}` : ''}${oauthError ? ` ${oauthError}` : ''}${message ? ` – ${message}` : ''}`;
  const details: { status: number; errorCode?: string; retryAfterMs?: number } = { status };
  if (errorCode ?? oauthError) details.errorCode = errorCode ?? oauthError;
  if (context.retryAfterMs !== undefined) details.retryAfterMs = context.retryAfterMs;
  return new PlatformError(kind, text, details);
}

/**
 * Parses `Retry-After` (delta seconds, possibly fractional, or an HTTP date) into ms from `now`;
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}
