/**
 * Structured logging with pino. Tokens, Authorization headers, authorization codes (`code`, `query.code`; not `err.code`), PKCE
 * verifiers and secrets are redacted wherever they appear in the usual places.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'token',
  'botToken',
  'codeVerifier',
  'code_verifier',
  'clientSecret',
  'client_secret',
  'secret',
  'sharedSecret',
  'password',
  'verificationToken',
  'tokenEncryptionKey',
  'authorization',
  'Authorization',
];

/** Redaction paths: the keys at top level, one and two levels down, and in request headers. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'code',
  'query.code',
  'req.query.code',
  'req.headers.authorization',
  'req.headers["verification-token"]',
  'req.headers["x-glip-signature"]',
  'headers.authorization',
  'headers["verification-token"]',
  'headers["validation-token"]',
];

/**
 * Creates the root logger. `level` is a pino level or 'silent'; `destination` defaults to stdout
 * (tests pass a stream to capture lines). Redacted values print as "[redacted]".
 */
export function createLogger(options: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'avatar-bot',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
