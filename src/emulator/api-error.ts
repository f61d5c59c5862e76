import type { Context, Next } from 'koa';

/** One entry of RingCentral's `errors[]` array. */
export interface ApiErrorEntry {
  errorCode: string;
  message: string;
  parameterName?: string;
  parameterValue?: string;
}

/**
 * The one error type of the emulator's API: an HTTP status plus a RingCentral error code
 * (`CMN-xxx`, `AGW-xxx`, `ACT-xxx`, `SUB-xxx`, `OAU-xxx`…). Routes and stores throw it;
 * `apiErrors()` renders it. OAuth endpoints answer with the RFC 6749 shape instead, so an error
 * made with `ApiError.oauth` also carries the RFC code (`invalid_grant`, `invalid_client`…).
 */
export class ApiError extends Error {
  /** RFC 6749 `error` code; set only for OAuth endpoint errors. */
  oauthError?: string;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly parameterName?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** An OAuth endpoint error: `{error, error_description, errors:[{errorCode, message}]}`. */
  static oauth(status: number, error: string, errorCode: string, description: string): ApiError {
    const e = new ApiError(status, errorCode, description);
    e.oauthError = error;
    return e;
  }
}

/**
 * The body RingCentral answers for `err`: the platform shape
 * `{errorCode, message, errors:[{errorCode, message, parameterName?}]}` (docs/ringcentral-notes.md
 * §5 "Error body": real answers carry the top-level `errorCode`/`message` too), or for OAuth
 * endpoint errors `{error, error_description, errors:[{errorCode, message}]}` (§2.1).
 */
export function apiErrorBody(err: ApiError): Record<string, unknown> {
  if (err.oauthError !== undefined) {
    return { error: err.oauthError, error_description: err.message, errors: [{ errorCode: err.errorCode, message: err.message }] };
  }
  const entry: ApiErrorEntry = { errorCode: err.errorCode, message: err.message };
  if (err.parameterName !== undefined) entry.parameterName = err.parameterName;
  return { errorCode: err.errorCode, message: err.message, errors: [entry] };
}

/**
 * Writes `err` as the answer: its status and `apiErrorBody(err)`. Headers already set stay. A 401
 * from an OAuth endpoint carries `WWW-Authenticate: Basic realm="RingCentral OAuth"` (client
 * authentication failed, RFC 6749 §5.2).
 */
export function renderApiError(ctx: Context, err: ApiError): void {
  if (err.oauthError !== undefined && err.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="RingCentral OAuth"');
  ctx.status = err.status;
  ctx.body = apiErrorBody(err);
}

/** True for RingCentral API paths (`/restapi/...`, `/team-messaging/...`). */
export function isApiPath(path: string): boolean {
  return path.startsWith('/restapi/') || path.startsWith('/team-messaging/');
}

/**
 * The emulator's one error middleware (koa style: it wraps everything mounted after it).
 * - `ApiError` → its status and RingCentral body (OAuth shape for `ApiError.oauth`);
 * - errors of body parsers and other koa/http-errors: unparseable JSON → 400 `CMN-103`
 *   "JSON can't be parsed", a body over a limit → 413 `CMN-413`, other 4xx → `CMN-101`;
 * - anything else → 500 `CMN-500` "Internal Server Error" (reported through `app.emit('error')`);
 * - an API path no route answered → 404 `AGW-404`; a method no route takes → 405 `AGW-405`
 *   (the emulator's choices: RingCentral documents neither answer).
 * Headers set before the error (`Retry-After`, `WWW-Authenticate`, rate-limit headers,
 * `RCRequestId`) are kept, unlike koa's default error handler, which clears them.
 */
export function apiErrors() {
  return async function apiErrorMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (isApiPath(ctx.path) && ctx.body == null) {
        if (ctx.status === 404) throw new ApiError(404, 'AGW-404', `Resource not found: ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405 || ctx.status === 501) {
          throw new ApiError(ctx.status, 'AGW-405', `Method ${ctx.method} is not allowed for ${ctx.path}`);
        }
      }
    } catch (err) {
      if (err instanceof ApiError) {
        renderApiError(ctx, err);
        return;
      }
      const apiErr = fromOtherError(err);
      if (apiErr.status >= 500) ctx.app.emit('error', err, ctx);
      renderApiError(ctx, apiErr);
    }
  };
}

function fromOtherError(err: unknown): ApiError {
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; errorCode?: string; type?: string };
  const status = e.status ?? e.statusCode ?? 500;
  // co-body (behind @koa/bodyparser) throws a SyntaxError with status 400 for bad JSON.
  const parseFailed = e.type === 'entity.parse.failed' || (err instanceof SyntaxError && status === 400);
  const code = e.errorCode ?? (parseFailed ? 'CMN-103' : status === 413 ? 'CMN-413' : status < 500 ? 'CMN-101' : 'CMN-500');
  const message = parseFailed
    ? "JSON can't be parsed"
    : status < 500 && e.expose !== false
      ? (e.message ?? 'Bad request')
      : 'Internal Server Error';
  return new ApiError(status, code, message);
}
