import type { Context } from 'koa';

/** One entry of RingCentral's `errors[]` array. */
export interface ApiErrorEntry {
  errorCode: string;
  message: string;
  parameterName?: string;
  parameterValue?: string;
}

/**
 * Answers with RingCentral's platform error body
 * `{errorCode, message, errors:[{errorCode, message, parameterName?}]}`
 * (shape: ../shared/docs/ringcentral-api.md §5, "Error body").
 */
export function sendApiError(
  ctx: Context,
  status: number,
  errorCode: string,
  message: string,
  parameterName?: string,
): void {
  const entry: ApiErrorEntry = { errorCode, message };
  if (parameterName !== undefined) entry.parameterName = parameterName;
  ctx.status = status;
  ctx.body = { errorCode, message, errors: [entry] };
}

/**
 * Answers with RingCentral's OAuth error body
 * `{error, error_description, errors:[{errorCode, message}]}` (ringcentral-api.md §2.1).
 * `error` is an RFC 6749 code such as `invalid_grant`; `errorCode` an OAU-xxx code.
 */
export function sendOAuthError(
  ctx: Context,
  status: number,
  error: string,
  errorCode: string,
  description: string,
): void {
  ctx.status = status;
  ctx.body = { error, error_description: description, errors: [{ errorCode, message: description }] };
}
