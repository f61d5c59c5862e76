/**
 * The only module that reads `process.env`. Everything else receives a frozen `Config`.
 *
 * Settings are listed in docs/settings.md (one table). Validation collects every problem
 * before failing, so one start shows the whole list of what to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { AuditScheduleConfigError, validateAuditSchedule } from './cron-settings.ts';

export type ImageEngineSetting = 'auto' | 'jimp' | 'sharp';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** RingCentral app settings; absent as a whole in demo mode. */
export interface RingCentralSettings {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  botToken?: string;
  sharedSecret?: string;
}

export interface Config {
  /** `demo` when none of RINGCENTRAL_SERVER_URL/CLIENT_ID/CLIENT_SECRET is set. */
  mode: 'ringcentral' | 'demo';
  nodeEnv: string;
  ringcentral?: RingCentralSettings;
  /** Shared secret for `X-Glip-Signature` (also present in demo mode when set). */
  sharedSecret?: string;
  /** Public base URL without trailing slash → WebHook delivery; absent → WebSocket. */
  publicUrl?: string;
  webhookVerificationToken?: string;
  /** `file:./data/bot.sqlite` (SQLite) or `postgres://…` / `postgresql://…` (PostgreSQL). */
  databaseUrl: string;
  /** DATABASE_POOL_SIZE: PostgreSQL connections per instance. */
  databasePoolSize: number;
  /** DATABASE_CONNECT_TIMEOUT_MS: how long an unreachable database is retried at start. */
  databaseConnectTimeoutMs: number;
  /** INBOX_LEASE_SECONDS: how long a claimed event is held without renewal before another instance may take it over. */
  inboxLeaseSeconds: number;
  /** BOT_TOKEN_CHECK_SECONDS: how often the stored bot token is compared with the installed one (several instances). */
  botTokenCheckSeconds: number;
  /**
   * BOT_TEST_CRASH_AFTER (tests only; ignored when NODE_ENV=production): `reply` kills the
   * process (SIGKILL) right after a reply is posted, before its result and the event are recorded.
   */
  testCrashAfter?: 'reply';
  /** SUBSCRIPTION_CHECK_SECONDS: how often the subscription's real state is read from RingCentral (one Light call). */
  subscriptionCheckSeconds: number;
  /** CATCH_UP_WINDOW_HOURS: after a delivery gap, posts older than this are not answered late. */
  catchUpWindowHours: number;
  /** True when DATABASE_URL was not set (demo mode then uses a throw-away file of its own). */
  databaseUrlIsDefault: boolean;
  /** 32 bytes; absent only in demo mode (then generated and kept in the store). */
  tokenEncryptionKey?: Buffer;
  auditCron: string;
  auditTimezone: string;
  adminChatIds: string[];
  /** AUDIT_EXTENSION_TYPES / AUDIT_EXTENSION_STATUSES: which extensions the audit looks at. */
  auditFilter: { types: string[]; statuses: string[] };
  /** REMINDER_INTERVAL_DAYS: at most one photo reminder per person per this many days. */
  reminderIntervalDays: number;
  /** REMINDERS_PER_MINUTE: reminder direct messages started per minute (each is two Medium-group calls). */
  remindersPerMinute: number;
  /** AUDIT_PROGRESS_INTERVAL_MS: minimum time between edits of a long audit's progress post. */
  auditProgressIntervalMs: number;
  port: number;
  emulatorPort: number;
  /** Interface the bot listens on. */
  host: string;
  logLevel: LogLevel;
  imageEngine: ImageEngineSetting;
  /** Edge of the square profile image we upload, pixels. */
  avatarSize: number;
  /** Largest attachment we download and process, bytes (AVATAR_MAX_INPUT_BYTES). */
  maxAttachmentBytes: number;
  /** Pictures with more pixels (from the header) are refused. */
  avatarMaxInputPixels: number;
  /** A photo job running longer is stopped, ms. */
  avatarTimeoutMs: number;
  /** Largest webhook / interactive body we accept, bytes. */
  maxWebhookBodyBytes: number;
  /** Image worker threads (0 = decide from CPU count). */
  avatarWorkers: number;
  /** Light events (answers) the dispatcher works on at once. */
  dispatcherConcurrency: number;
  /** Heavy events (photo download + processing) worked on at once. */
  heavyConcurrency: number;
  /**
   * Longest one RingCentral call may take, ms, by kind: RINGCENTRAL_TIMEOUT_MS (API calls),
   * DOWNLOAD_TIMEOUT_MS (attachments, profile images), UPLOAD_TIMEOUT_MS (profile image, files).
   */
  ringcentralTimeouts: { apiMs: number; downloadMs: number; uploadMs: number };
  /**
   * ATTACHMENT_FILE_PATHS: path prefixes of Team Messaging file links on RingCentral's own hosts;
   * attachments elsewhere on those hosts (API paths) are never downloaded.
   */
  attachmentFilePaths: string[];
  /** Posts per minute from one person in one chat before flood control starts (0 = off). */
  floodCommandsPerMinute: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === undefined || s === '' ? undefined : s));

function intSetting(def: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === '' ? String(def) : s.trim()))
    .pipe(
      z
        .string()
        .regex(/^\d+$/, { message: `expected a whole number between ${min} and ${max}` })
        .transform(Number)
        .pipe(z.number().int().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` })),
    );
}

/** A comma-separated list with a default; every item must match `item`. */
/**
 * Extension types and statuses the extension list filters by (`type[]`, `status[]` of
 * `GET /restapi/v1.0/account/~/extension`, RingCentral's OpenAPI description 1.0.46;
 * docs/ringcentral-notes.md §2.2). A name outside these would filter everything out and make an
 * audit of nobody look like 100 %.
 */
export const EXTENSION_TYPES = ['User', 'FaxUser', 'VirtualUser', 'DigitalUser', 'Department', 'Announcement', 'Voicemail', 'SharedLinesGroup', 'PagingOnly', 'IvrMenu', 'ApplicationExtension', 'ParkLocation', 'Limited', 'Bot', 'ProxyAdmin', 'DelegatedLinesGroup'] as const;
export const EXTENSION_STATUSES = ['Enabled', 'Disabled', 'NotActivated', 'Unassigned'] as const;

/** The items of `items` that are not in `allowed` (exact, case-sensitive as RingCentral is). */
export function unknownItems(items: readonly string[], allowed: readonly string[]): string[] {
  return items.filter((x) => !allowed.includes(x));
}

function listSetting(def: string, item: RegExp, message: string) {
  return optionalText
    .transform((s) => (s ?? def).split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(item, { message })).min(1, { message }));
}

const urlSetting = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim().replace(/\/+$/, '')))
  .pipe(
    z
      .string()
      .refine((s) => /^https?:\/\/[^\s/]+/.test(s) && URL.canParse(s), { message: 'expected an http(s) URL like https://bot.example.com' })
      .optional(),
  );

const envSchema = z.object({
  NODE_ENV: optionalText.transform((s) => s ?? 'development'),
  RINGCENTRAL_SERVER_URL: urlSetting,
  RINGCENTRAL_CLIENT_ID: optionalText,
  RINGCENTRAL_CLIENT_SECRET: optionalText,
  RINGCENTRAL_BOT_TOKEN: optionalText,
  RINGCENTRAL_SHARED_SECRET: optionalText,
  PUBLIC_URL: urlSetting,
  WEBHOOK_VERIFICATION_TOKEN: optionalText.pipe(
    z
      .string()
      .regex(/^[\x21-\x7e]{16,64}$/, { message: 'expected 16 to 64 visible ASCII characters' })
      .optional(),
  ),
  DATABASE_URL: optionalText
    .transform((s) => s ?? 'file:./data/bot.sqlite')
    .pipe(
      z.string().refine((s) => (s.startsWith('file:') && s.length > 'file:'.length) || /^postgres(ql)?:\/\/./.test(s), {
        message: 'expected file:<path> (SQLite) or postgres://… / postgresql://… (PostgreSQL)',
      }),
    ),
  TOKEN_ENCRYPTION_KEY: optionalText.pipe(
    z
      .string()
      .refine((s) => decodeKey(s) !== undefined, { message: 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)' })
      .optional(),
  ),
  AUDIT_CRON: optionalText
    .transform((s) => s ?? '0 9 * * 1-5')
    .pipe(z.string().refine((s) => isCronLike(s), { message: 'expected a cron expression with 5 or 6 fields, e.g. "0 9 * * 1-5"' })),
  AUDIT_TIMEZONE: optionalText
    .transform((s) => s ?? 'UTC')
    .pipe(z.string().refine((s) => isTimeZone(s), { message: 'expected an IANA time zone such as UTC or Europe/Berlin' })),
  ADMIN_CHAT_IDS: optionalText
    .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\d+$/, { message: 'expected comma-separated numeric chat ids' }))),
  AUDIT_EXTENSION_TYPES: listSetting('User', new RegExp(`^(${EXTENSION_TYPES.join('|')})$`), `expected comma-separated extension types out of ${EXTENSION_TYPES.join(', ')}`),
  AUDIT_EXTENSION_STATUSES: listSetting('Enabled', new RegExp(`^(${EXTENSION_STATUSES.join('|')})$`), `expected comma-separated extension statuses out of ${EXTENSION_STATUSES.join(', ')}`),
  DATABASE_POOL_SIZE: intSetting(10, 1, 100),
  DATABASE_CONNECT_TIMEOUT_MS: intSetting(30_000, 0, 600_000),
  INBOX_LEASE_SECONDS: intSetting(30, 2, 3600),
  BOT_TOKEN_CHECK_SECONDS: intSetting(10, 1, 3600),
  BOT_TEST_CRASH_AFTER: optionalText.pipe(z.enum(['reply'], { message: 'expected reply (or nothing)' }).optional()),
  SUBSCRIPTION_CHECK_SECONDS: intSetting(60, 5, 86_400),
  CATCH_UP_WINDOW_HOURS: intSetting(24, 0, 720),
  REMINDER_INTERVAL_DAYS: intSetting(30, 1, 3650),
  REMINDERS_PER_MINUTE: intSetting(10, 1, 40),
  AUDIT_PROGRESS_INTERVAL_MS: intSetting(5000, 0, 600_000),
  PORT: intSetting(3000, 0, 65535),
  EMULATOR_PORT: intSetting(3001, 0, 65535),
  // Default: every interface outside demo mode (platforms route to it), loopback in demo mode.
  HOST: optionalText,
  LOG_LEVEL: optionalText
    .transform((s) => (s ?? 'info').toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` })),
  IMAGE_ENGINE: optionalText
    .transform((s) => (s ?? 'auto').toLowerCase())
    .pipe(z.enum(['auto', 'jimp', 'sharp'], { message: 'expected auto, jimp or sharp' })),
  AVATAR_SIZE: intSetting(1024, 16, 2048),
  AVATAR_MAX_INPUT_BYTES: intSetting(25 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  AVATAR_MAX_INPUT_PIXELS: intSetting(50_000_000, 10_000, 500_000_000),
  AVATAR_TIMEOUT_MS: intSetting(30_000, 1_000, 600_000),
  MAX_WEBHOOK_BODY_BYTES: intSetting(256 * 1024, 1024, 10 * 1024 * 1024),
  AVATAR_WORKERS: intSetting(0, 0, 64),
  DISPATCHER_CONCURRENCY: intSetting(8, 1, 64),
  PHOTO_CONCURRENCY: intSetting(2, 1, 16),
  RINGCENTRAL_TIMEOUT_MS: intSetting(20_000, 500, 600_000),
  DOWNLOAD_TIMEOUT_MS: intSetting(60_000, 500, 3_600_000),
  UPLOAD_TIMEOUT_MS: intSetting(120_000, 500, 3_600_000),
  FLOOD_COMMANDS_PER_MINUTE: intSetting(20, 0, 10_000),
  ATTACHMENT_FILE_PATHS: listSetting('/web/customer_files/', /^\/[\x21-\x7e]*$/, 'expected comma-separated URL path prefixes such as /web/customer_files/'),
});

/** Names of the settings this module knows, for docs and tests. */
export const SETTING_NAMES = Object.keys(envSchema.shape);

/** Decodes a base64 / base64url key; undefined unless it is exactly 32 bytes. */
function decodeKey(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
  return b.length === 32 ? b : undefined;
}

function isCronLike(s: string): boolean {
  const fields = s.trim().split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => /^[\d*,/\-A-Za-z?LW#]+$/.test(f));
}

function isTimeZone(s: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: s });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates an environment object and returns a frozen Config.
 * Input: name → string map (usually process.env). Throws `ConfigError` whose `problems` lists
 * every bad or missing setting as "NAME: what is expected (got …)".
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const raw = env[name];
      const shown =
        raw === undefined
          ? 'not set'
          : isSecretName(name)
            ? 'got a value'
            : // a database URL may carry a password: show only its scheme
              name === 'DATABASE_URL'
              ? `got a value starting ${JSON.stringify(`${raw.split(/(?<=:)/)[0] ?? ''}`)}`
              : `got ${JSON.stringify(raw)}`;
      problems.push(`${name}: ${issue.message} (${shown})`);
    }
  }
  const e = parsed.success ? parsed.data : undefined;
  const rcNames = ['RINGCENTRAL_SERVER_URL', 'RINGCENTRAL_CLIENT_ID', 'RINGCENTRAL_CLIENT_SECRET'] as const;
  const rcPresent = rcNames.filter((n) => (env[n] ?? '').trim() !== '');
  const mode: Config['mode'] = rcPresent.length === 0 ? 'demo' : 'ringcentral';
  if (rcPresent.length > 0 && rcPresent.length < rcNames.length) {
    for (const n of rcNames.filter((x) => !rcPresent.includes(x))) {
      problems.push(`${n}: required when any RINGCENTRAL_* app setting is given (set all three, or none for demo mode) (not set)`);
    }
  }
  const nodeEnv = (env.NODE_ENV ?? '').trim() || 'development';
  if (mode === 'demo' && nodeEnv === 'production') {
    problems.push(
      'RINGCENTRAL_SERVER_URL: demo mode is refused when NODE_ENV=production; set RINGCENTRAL_SERVER_URL, RINGCENTRAL_CLIENT_ID and RINGCENTRAL_CLIENT_SECRET (not set)',
    );
  }
  if (mode === 'ringcentral' && (env.TOKEN_ENCRYPTION_KEY ?? '').trim() === '') {
    problems.push('TOKEN_ENCRYPTION_KEY: required outside demo mode; 32 random bytes, base64-encoded (openssl rand -base64 32) (not set)');
  }
  // The full check of the schedule (node-cron's parser, a date it fires on), also when other
  // settings are bad, so one start lists every problem. The zone's own problem is reported above.
  if (!problems.some((p) => p.startsWith('AUDIT_CRON:'))) {
    const cron = (env.AUDIT_CRON ?? '').trim() || '0 9 * * 1-5';
    const zone = (env.AUDIT_TIMEZONE ?? '').trim() || 'UTC';
    try {
      validateAuditSchedule(cron, isTimeZone(zone) ? zone : 'UTC');
    } catch (err) {
      if (!(err instanceof AuditScheduleConfigError)) throw err;
      problems.push(`${err.setting}: ${err.message.replace(/^AUDIT_(CRON|TIMEZONE) /, '')}`);
    }
  }
  if (problems.length > 0 || !e) throw new ConfigError(problems);

  const config: Config = {
    mode,
    nodeEnv: e.NODE_ENV,
    ...(mode === 'ringcentral'
      ? {
          ringcentral: {
            serverUrl: e.RINGCENTRAL_SERVER_URL!,
            clientId: e.RINGCENTRAL_CLIENT_ID!,
            clientSecret: e.RINGCENTRAL_CLIENT_SECRET!,
            ...(e.RINGCENTRAL_BOT_TOKEN ? { botToken: e.RINGCENTRAL_BOT_TOKEN } : {}),
            ...(e.RINGCENTRAL_SHARED_SECRET ? { sharedSecret: e.RINGCENTRAL_SHARED_SECRET } : {}),
          },
        }
      : {}),
    ...(e.RINGCENTRAL_SHARED_SECRET ? { sharedSecret: e.RINGCENTRAL_SHARED_SECRET } : {}),
    ...(e.PUBLIC_URL ? { publicUrl: e.PUBLIC_URL } : {}),
    ...(e.WEBHOOK_VERIFICATION_TOKEN ? { webhookVerificationToken: e.WEBHOOK_VERIFICATION_TOKEN } : {}),
    databaseUrl: e.DATABASE_URL,
    databaseUrlIsDefault: (env.DATABASE_URL ?? '').trim() === '',
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    inboxLeaseSeconds: e.INBOX_LEASE_SECONDS,
    botTokenCheckSeconds: e.BOT_TOKEN_CHECK_SECONDS,
    ...(e.BOT_TEST_CRASH_AFTER && e.NODE_ENV !== 'production' ? { testCrashAfter: e.BOT_TEST_CRASH_AFTER } : {}),
    subscriptionCheckSeconds: e.SUBSCRIPTION_CHECK_SECONDS,
    catchUpWindowHours: e.CATCH_UP_WINDOW_HOURS,
    ...(e.TOKEN_ENCRYPTION_KEY ? { tokenEncryptionKey: decodeKey(e.TOKEN_ENCRYPTION_KEY)! } : {}),
    auditCron: e.AUDIT_CRON,
    auditTimezone: e.AUDIT_TIMEZONE,
    adminChatIds: e.ADMIN_CHAT_IDS,
    auditFilter: { types: e.AUDIT_EXTENSION_TYPES, statuses: e.AUDIT_EXTENSION_STATUSES },
    reminderIntervalDays: e.REMINDER_INTERVAL_DAYS,
    remindersPerMinute: e.REMINDERS_PER_MINUTE,
    auditProgressIntervalMs: e.AUDIT_PROGRESS_INTERVAL_MS,
    port: e.PORT,
    emulatorPort: e.EMULATOR_PORT,
    // The demo prints its shared secret and takes sign-ins for made-up people: this machine only.
    host: e.HOST ?? (mode === 'demo' ? '127.0.0.1' : '0.0.0.0'),
    logLevel: e.LOG_LEVEL,
    imageEngine: e.IMAGE_ENGINE,
    avatarSize: e.AVATAR_SIZE,
    maxAttachmentBytes: e.AVATAR_MAX_INPUT_BYTES,
    avatarMaxInputPixels: e.AVATAR_MAX_INPUT_PIXELS,
    avatarTimeoutMs: e.AVATAR_TIMEOUT_MS,
    maxWebhookBodyBytes: e.MAX_WEBHOOK_BODY_BYTES,
    avatarWorkers: e.AVATAR_WORKERS,
    dispatcherConcurrency: e.DISPATCHER_CONCURRENCY,
    heavyConcurrency: e.PHOTO_CONCURRENCY,
    ringcentralTimeouts: { apiMs: e.RINGCENTRAL_TIMEOUT_MS, downloadMs: e.DOWNLOAD_TIMEOUT_MS, uploadMs: e.UPLOAD_TIMEOUT_MS },
    attachmentFilePaths: e.ATTACHMENT_FILE_PATHS,
    floodCommandsPerMinute: e.FLOOD_COMMANDS_PER_MINUTE,
  };
  return Object.freeze(config);
}

function isSecretName(name: string): boolean {
  return /SECRET|TOKEN|KEY|PASSWORD/.test(name);
}

/**
 * The settings environment: the process environment, and outside production a `.env` file in
 * `cwd` filling in what the environment doesn't set (the environment wins). The one place that
 * reads `process.env`; the bot and every script get their settings through it.
 */
export function readSettingsEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  const file = path.join(cwd, '.env');
  if ((env.NODE_ENV ?? 'development') !== 'production' && fs.existsSync(file)) {
    const fromFile = dotenv.parse(fs.readFileSync(file));
    for (const [k, v] of Object.entries(fromFile)) if (env[k] === undefined) env[k] = v;
  }
  return env;
}

/** Reads {@link readSettingsEnvironment} and validates it. Throws ConfigError like loadConfig. */
export function loadConfigFromProcess(cwd = process.cwd()): Config {
  return loadConfig(readSettingsEnvironment(cwd));
}

/** What `npm run audit` reads beyond the command line. */
export interface AuditCliSettings {
  /** The three app settings when all are set. */
  app?: { serverUrl: string; clientId: string; clientSecret: string };
  /** App settings given while others are missing (empty when all or none are set). */
  missingApp: string[];
  /** RINGCENTRAL_JWT: a user's JWT credential that may list extensions. */
  jwt?: string;
  /** RINGCENTRAL_BOT_TOKEN. */
  botToken?: string;
  /** AUDIT_EXTENSION_TYPES / AUDIT_EXTENSION_STATUSES when set (comma-separated, trimmed). */
  filter: { types?: string[]; statuses?: string[] };
}

/** Settings of `npm run audit` from an environment map (see {@link readSettingsEnvironment}). Never throws. */
export function loadAuditCliSettings(env: Record<string, string | undefined>): AuditCliSettings {
  const text = (name: string) => env[name]?.trim() || undefined;
  const list = (name: string) => {
    const items = text(name)?.split(',').map((x) => x.trim()).filter(Boolean);
    return items && items.length > 0 ? items : undefined;
  };
  const names = ['RINGCENTRAL_SERVER_URL', 'RINGCENTRAL_CLIENT_ID', 'RINGCENTRAL_CLIENT_SECRET'] as const;
  const present = names.filter((n) => text(n) !== undefined);
  const types = list('AUDIT_EXTENSION_TYPES');
  const statuses = list('AUDIT_EXTENSION_STATUSES');
  const jwt = text('RINGCENTRAL_JWT');
  const botToken = text('RINGCENTRAL_BOT_TOKEN');
  return {
    ...(present.length === names.length
      ? { app: { serverUrl: text(names[0])!, clientId: text(names[1])!, clientSecret: text(names[2])! } }
      : {}),
    missingApp: present.length > 0 && present.length < names.length ? names.filter((n) => !present.includes(n)) : [],
    ...(jwt ? { jwt } : {}),
    ...(botToken ? { botToken } : {}),
    filter: { ...(types ? { types } : {}), ...(statuses ? { statuses } : {}) },
  };
}

/** What `npm run emulator` reads: EMULATOR_PORT (default 3001), EMULATOR_HOST (127.0.0.1), EMULATOR_USERS (25). */
export interface EmulatorCliSettings {
  port: number;
  host: string;
  users: number;
}

const emulatorSchema = z.object({
  EMULATOR_PORT: intSetting(3001, 0, 65535),
  EMULATOR_HOST: optionalText.transform((s) => s ?? '127.0.0.1'),
  EMULATOR_USERS: intSetting(25, 1, 100_000),
});

/** Settings of `npm run emulator`. Throws ConfigError listing each bad one. */
export function loadEmulatorCliSettings(env: Record<string, string | undefined>): EmulatorCliSettings {
  const parsed = emulatorSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`));
  }
  return { port: parsed.data.EMULATOR_PORT, host: parsed.data.EMULATOR_HOST, users: parsed.data.EMULATOR_USERS };
}

/** Every setting a module here reads, bot and scripts, for docs, `.env.example` and tests. */
export const ALL_SETTING_NAMES = [...new Set([...Object.keys(envSchema.shape), ...Object.keys(emulatorSchema.shape), 'RINGCENTRAL_JWT'])];

/** SQLite file path of a `file:` DATABASE_URL (`:memory:` passes through). */
export function sqlitePathOf(databaseUrl: string): string {
  return databaseUrl.slice('file:'.length);
}
