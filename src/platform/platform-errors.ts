/**
 * What went wrong talking to RingCentral, as something the caller can act on.
 * - `unauthorized`: the token is expired/revoked and can't be refreshed → ask the person to sign in again
 * - `forbidden`: RingCentral refused (e.g. CMN-419 another person's extension, CMN-401 missing permission)
 * - `not-found`: unknown extension, person, chat (CMN-102, 404)
 * - `rate-limited`: 429 still after the bounded retries (CMN-301); `retryAfterMs` when known
 * - `unavailable`: 5xx or network failure after retries, or no answer within the call's timeout (`details.timedOut`),
 *   or not sent because this process is stopping (`details.shuttingDown`)
 * - `bad-request`: RingCentral refused the input (e.g. ACT-330/331/334 for images)
 * - `bot-removed`: OAU-232 / CMN-405 on the bot's token: the bot was uninstalled
 * - `forbidden-url`, `too-large`: refused locally before or while downloading
 */
export type PlatformErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'rate-limited'
  | 'unavailable'
  | 'bad-request'
  | 'bot-removed'
  | 'forbidden-url'
  | 'too-large';

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    /**
     * `timedOut`: RingCentral did not answer within the call's timeout (kind 'unavailable').
     * `shuttingDown`: the call was not sent because this process is stopping (the platform was
     * closed, or the call would have waited past the shutdown deadline; kind 'unavailable').
     */
    readonly details: { status?: number; errorCode?: string; retryAfterMs?: number; timedOut?: boolean; shuttingDown?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
}

/** True for a call that was not sent because this process is stopping (`details.shuttingDown`). */
export function isShuttingDown(e: unknown): e is PlatformError {
  return e instanceof PlatformError && e.details.shuttingDown === true;
}
