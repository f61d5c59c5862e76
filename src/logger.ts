/**
 * Structured logging with pino. Tokens, Authorization headers, authorization codes (`code`, `query.code`; not `err.code`), PKCE
 * verifiers and secrets are redacted wherever they appear in the usual places.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';

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
 * How log lines are written: `pretty` (pino-pretty: time, level, message, fields on one line,
 * colours) when the output is a terminal outside production, `json` (one JSON object a line, for
 * log collectors) otherwise.
 */
export function logFormatFor(p: { isTTY: boolean | undefined; nodeEnv: string }): 'pretty' | 'json' {
  return p.isTTY === true && p.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/**
 * Creates the root logger. `level` is a pino level or 'silent'; `destination` defaults to stdout
 * (tests pass a stream to capture lines); `format` (default `json`) as {@link logFormatFor}
 * decides. Redacted values print as "[redacted]" in both formats.
 */
export function createLogger(options: { level: string; destination?: DestinationStream; name?: string; format?: 'pretty' | 'json' }): Logger {
  const destination =
    options.format === 'pretty'
      ? loadPinoPretty()({
          colorize: options.destination === undefined,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,name',
          ...(options.destination ? { destination: options.destination as NodeJS.WritableStream } : {}),
        })
      : (options.destination ?? pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level: options.level,
      name: options.name ?? 'avatar-bot',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** pino-pretty, loaded only for the pretty format: production (JSON lines) never loads it. */
function loadPinoPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

const LEVEL_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = () => undefined;

/**
 * `parent.child(bindings)`, built only when something is logged at an enabled level: a call at
 * a level `parent` doesn't log is a no-op that costs no child logger and no redaction setup
 * (per-event loggers in the dispatcher at LOG_LEVEL=warn, docs/performance.md).
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(target, prop) {
      if (typeof prop === 'string' && LEVEL_METHODS.has(prop) && !target.isLevelEnabled(prop)) return noop;
      child ??= target.child(bindings);
      const value: unknown = Reflect.get(child, prop, child);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(child) : value;
    },
  });
}
