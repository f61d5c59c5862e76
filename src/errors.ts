/**
 * The bot's own errors. `code` is a stable UPPER_SNAKE literal; `status`/`expose` follow koa's
 * model (an HTTP answer with that status; the message is shown only when `expose`).
 */
import crypto from 'node:crypto';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'WEBHOOK_UNVERIFIED'
  | 'WEBHOOK_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'COMMAND_USAGE'
  | 'OAUTH_STATE_INVALID'
  | 'OAUTH_WRONG_PERSON'
  | 'OAUTH_CODE_REFUSED'
  | 'BOT_NOT_INSTALLED';

export class BotError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  constructor(code: ErrorCode, message: string, opts: { status?: number; expose?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 500;
    this.expose = opts.expose ?? this.status < 500;
  }
}

/** Bad or missing settings; `problems` has one line per setting ("NAME: expected …"). */
export class ConfigError extends BotError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Verification-Token missing or wrong (401). */
export class WebhookVerificationError extends BotError {
  constructor(message: string) {
    super('WEBHOOK_UNVERIFIED', message, { status: 401, expose: false });
  }
}

/** A delivery body that is not a notification (400). */
export class WebhookPayloadError extends BotError {
  constructor(message: string, cause?: unknown) {
    super('WEBHOOK_MALFORMED', message, { status: 400, expose: true, cause });
  }
}

/** A command used wrongly; `message` is the sentence to reply with. */
export class CommandUsageError extends BotError {
  constructor(message: string) {
    super('COMMAND_USAGE', message, { status: 400, expose: true });
  }
}

/** True for BotError instances (also across duplicated module instances). */
export function isBotError(e: unknown): e is BotError {
  return e instanceof BotError;
}

/**
 * A short reference id for one failure (8 characters, Crockford-like alphabet without look-alikes);
 * shown to the person and written in the log line of the same failure.
 */
export function newReferenceId(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = crypto.randomBytes(8);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
