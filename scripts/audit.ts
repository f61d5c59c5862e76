/**
 * `npm run audit -- [--csv <path>] [--json] [--types User,Bot] [--statuses Enabled]`
 *
 * Runs one audit of missing profile photos against the RingCentral account configured in
 * the environment (a `.env` file is read too):
 *
 *   RINGCENTRAL_SERVER_URL     e.g. https://platform.ringcentral.com (or the emulator's URL)
 *   RINGCENTRAL_CLIENT_ID      the app's client id
 *   RINGCENTRAL_CLIENT_SECRET  the app's client secret
 *   RINGCENTRAL_JWT            a JWT credential of a user allowed to list extensions
 *                              (app permission ReadAccounts, user permission ReadExtensions);
 *                              without it, RINGCENTRAL_BOT_TOKEN or the token an installed bot
 *                              stored in DATABASE_URL (opened with TOKEN_ENCRYPTION_KEY)
 *   AUDIT_EXTENSION_TYPES      optional, comma-separated, default User
 *   AUDIT_EXTENSION_STATUSES   optional, comma-separated, default Enabled
 *
 * With none of the three app settings it audits a demo company in the built-in emulator,
 * started in this process.
 *
 * Prints the summary (or, with --json, the whole report as JSON on stdout), writes the
 * people without a photo as CSV with --csv, and shows a progress bar on a terminal.
 * Exit codes: 0 done, 1 failed or settings missing, 2 bad arguments.
 */
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { fromCallerDirectory } from './caller-directory.ts';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SDK } from '@ringcentral/sdk';
import cliProgress from 'cli-progress';
import { runAudit, DEFAULT_AUDIT_FILTER } from '../src/audit/run-audit.ts';
import { auditReportCsv, formatAuditProgress, formatAuditSummary } from '../src/audit/audit-report.ts';
import type { ListExtensionsPage, ListExtensionsPageResult } from '../src/audit/audit-types.ts';
import { createEmulator } from '../src/emulator/create-emulator.ts';
import { createRingCentralPlatform } from '../src/platform/create-ringcentral-platform.ts';
import type { UserTokens } from '../src/platform/ringcentral-client.ts';
import { createLogger } from '../src/logger.ts';
import { EXTENSION_STATUSES, EXTENSION_TYPES, loadAuditCliSettings, loadConfig, readSettingsEnvironment, sqlitePathOf, unknownItems } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';
import { dialectOf, openStore, redactDatabaseUrl } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { createTokenCipher } from '../src/users/token-cipher.ts';
import { SETTING_BOT_TOKEN } from '../src/store/setting-keys.ts';

const LIST_EXTENSIONS_PATH = '/restapi/v1.0/account/~/extension';

type Platform = ReturnType<SDK['platform']>;

export interface SdkListOptions {
  /** Retries after a 429 before giving up (default 5). */
  maxRetries?: number;
  /** Called on every 429 with the wait in ms. */
  onRateLimited?: (waitMs: number) => void;
}

/**
 * A {@link ListExtensionsPage} on a logged-in `@ringcentral/sdk` Platform.
 * Pacing (docs/ringcentral-notes.md §5): the list is in the Medium usage plan group; when
 * `X-Rate-Limit-Remaining` reaches 0 it waits `X-Rate-Limit-Window` seconds before the next
 * call; on a 429 it waits `Retry-After` seconds (30 s when absent) and retries, at most
 * `maxRetries` times. Array query values are sent as repeated keys (`type=User&type=Bot`).
 * Throws the SDK's error for anything else, or the last 429.
 */
export function createSdkListExtensionsPage(platform: Platform, options: SdkListOptions = {}): ListExtensionsPage {
  const maxRetries = options.maxRetries ?? 5;
  let notBefore = 0;
  return async (params) => {
    for (let attempt = 0; ; attempt++) {
      const wait = notBefore - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const response = await platform.get(LIST_EXTENSIONS_PATH, {
          page: params.page,
          perPage: params.perPage,
          type: params.type,
          status: params.status,
        });
        const remaining = Number(response.headers.get('x-rate-limit-remaining'));
        const windowS = Number(response.headers.get('x-rate-limit-window'));
        if (response.headers.has('x-rate-limit-remaining') && remaining <= 0 && windowS > 0) {
          notBefore = Date.now() + windowS * 1000;
        }
        return (await response.json()) as ListExtensionsPageResult;
      } catch (error) {
        const response = (error as { response?: Response }).response;
        if (response?.status !== 429 || attempt >= maxRetries) throw error;
        const retryAfterS = Number(response.headers.get('retry-after'));
        const waitMs = (Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS : 30) * 1000;
        options.onRateLimited?.(waitMs);
        notBefore = Date.now() + waitMs;
      }
    }
  };
}

/** Settings missing or inconsistent; the message says which and what to set. */
export class AuditSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditSettingsError';
  }
}

/** Where one CLI audit reads the extension list from. */
export interface AuditSource {
  listExtensionsPage: ListExtensionsPage;
  /** A line for stderr saying what is audited (e.g. the built-in emulator). */
  note?: string;
  close(): Promise<void>;
}

/** Users seeded in the built-in emulator's demo company (two pages of 1000, so paging and the bar show). */
export const DEMO_COMPANY_USERS = 1_200;

/**
 * Picks what to audit from the settings environment (config.ts `readSettingsEnvironment`, read
 * with `loadAuditCliSettings`):
 * - none of the RINGCENTRAL_* app settings: the built-in emulator in this process, seeded with
 *   a demo company of {@link DEMO_COMPANY_USERS} people (60% with a photo), read with the
 *   seeded admin's JWT;
 * - the app settings and RINGCENTRAL_JWT: a user login (JWT grant) with @ringcentral/sdk,
 *   paced by {@link createSdkListExtensionsPage};
 * - the app settings without a JWT: the bot's token (RINGCENTRAL_BOT_TOKEN, else the one an
 *   installed bot stored in DATABASE_URL, opened with TOKEN_ENCRYPTION_KEY) through the
 *   bot's platform client, which paces by usage plan group and waits out 429s.
 * Throws {@link AuditSettingsError} naming what is missing, or the login error.
 */
export async function openAuditSource(
  env: Record<string, string | undefined>,
  options: SdkListOptions & { demoUsers?: number } = {},
): Promise<AuditSource> {
  const settings = loadAuditCliSettings(env);
  if (!settings.app && settings.missingApp.length === 0) {
    const emulator = await createEmulator({ port: 0, seed: { users: options.demoUsers ?? DEMO_COMPANY_USERS, withPhotoRatio: 0.6 } });
    try {
      const platform = await sdkLogin(emulator.url, emulator.state.app.clientId, emulator.state.app.clientSecret, emulator.state.adminJwt);
      return {
        listExtensionsPage: createSdkListExtensionsPage(platform, options),
        note: `No RingCentral settings (RINGCENTRAL_SERVER_URL, RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET): auditing a demo company of ${(options.demoUsers ?? DEMO_COMPANY_USERS).toLocaleString('en-US')} people in the built-in emulator.`,
        async close() {
          await platform.logout().catch(() => undefined);
          await emulator.close();
        },
      };
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }
  if (!settings.app) {
    const missing = settings.missingApp;
    throw new AuditSettingsError(
      `The audit needs all three RingCentral app settings, or none of them for the built-in emulator. Missing: ${missing.join(', ')}.\n` +
        SETTINGS_HELP,
    );
  }
  const { serverUrl, clientId, clientSecret } = settings.app;
  if (settings.jwt) {
    const platform = await sdkLogin(serverUrl, clientId, clientSecret, settings.jwt);
    return {
      listExtensionsPage: createSdkListExtensionsPage(platform, options),
      async close() {
        await platform.logout().catch(() => undefined);
      },
    };
  }
  const botToken = settings.botToken ?? (await storedBotToken(env));
  const vault = new Map<string, UserTokens>();
  const platform = createRingCentralPlatform({
    serverUrl,
    clientId,
    clientSecret,
    logger: createLogger({ level: 'silent' }),
    vault: {
      load: async (id) => vault.get(id),
      save: async (id, tokens) => void vault.set(id, tokens),
      remove: async (id) => void vault.delete(id),
    },
  });
  try {
    await platform.installBotToken(botToken);
  } catch (error) {
    await platform.close();
    throw new Error(`The bot token was refused by ${serverUrl}: ${(error as Error).message}`);
  }
  const bot = platform.bot();
  return {
    listExtensionsPage: async (params) => {
      const page = await bot.listExtensions(params);
      return { records: page.records ?? [], ...(page.paging ? { paging: page.paging } : {}), ...(page.navigation ? { navigation: page.navigation } : {}) };
    },
    note: `Auditing with the bot's token (extension ${bot.extensionId}).`,
    close: () => platform.close(),
  };
}

const SETTINGS_HELP =
  'Set them in the environment or in .env:\n' +
  '  RINGCENTRAL_SERVER_URL     e.g. https://platform.ringcentral.com, or the emulator URL printed by `npm run emulator`\n' +
  "  RINGCENTRAL_CLIENT_ID      your app's client id\n" +
  "  RINGCENTRAL_CLIENT_SECRET  your app's client secret\n" +
  'and one of:\n' +
  '  RINGCENTRAL_JWT            a JWT credential of a user who may list extensions (ReadAccounts)\n' +
  '  RINGCENTRAL_BOT_TOKEN      the bot\'s token (or leave it out to use the token an installed bot stored in DATABASE_URL)';

async function sdkLogin(server: string, clientId: string, clientSecret: string, jwt: string): Promise<Platform> {
  const sdk = new SDK({ server, clientId, clientSecret, appName: 'avatar-bot-audit', appVersion: '0.1.0' });
  const platform = sdk.platform();
  try {
    await platform.login({ jwt });
  } catch (error) {
    // The SDK's message is RingCentral's error text; it carries no token.
    throw new Error(`Could not log in to ${server}: ${(error as Error).message}`);
  }
  return platform;
}

/** The token an installed bot keeps (sealed) in its database; AuditSettingsError when there is none. */
async function storedBotToken(env: Record<string, string | undefined>): Promise<string> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new AuditSettingsError(
        `Without RINGCENTRAL_JWT or RINGCENTRAL_BOT_TOKEN the audit uses the bot's stored token, which needs valid bot settings:\n  - ${error.problems.join('\n  - ')}\n${SETTINGS_HELP}`,
      );
    }
    throw error;
  }
  const file = dialectOf(config.databaseUrl) === 'sqlite' ? sqlitePathOf(config.databaseUrl) : redactDatabaseUrl(config.databaseUrl);
  const sealed = dialectOf(config.databaseUrl) !== 'sqlite' || existsSync(file) ? await withStore(config.databaseUrl, (store) => store.getSetting(SETTING_BOT_TOKEN)) : undefined;
  if (!sealed || !config.tokenEncryptionKey) {
    throw new AuditSettingsError(`No RINGCENTRAL_JWT, no RINGCENTRAL_BOT_TOKEN, and no installed bot's token in ${file}.\n${SETTINGS_HELP}`);
  }
  try {
    return createTokenCipher(config.tokenEncryptionKey).open(sealed, 'bot-token');
  } catch {
    throw new AuditSettingsError(`The bot token stored in ${file} can't be opened with this TOKEN_ENCRYPTION_KEY.`);
  }
}

async function withStore<T>(databaseUrl: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrl);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const USAGE = 'Usage: npm run audit -- [--csv <path>] [--json] [--types User,Bot] [--statuses Enabled,Disabled]';

function list(value: string | undefined): string[] | undefined {
  const items = value?.split(',').map((s) => s.trim()).filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        csv: { type: 'string' },
        json: { type: 'boolean', default: false },
        types: { type: 'string' },
        statuses: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const env = readSettingsEnvironment();
  const settings = loadAuditCliSettings(env);
  const filter = {
    types: list(args.values.types) ?? settings.filter.types ?? [...DEFAULT_AUDIT_FILTER.types],
    statuses: list(args.values.statuses) ?? settings.filter.statuses ?? [...DEFAULT_AUDIT_FILTER.statuses],
  };

  const unknownTypes = unknownItems(filter.types, EXTENSION_TYPES);
  const unknownStatuses = unknownItems(filter.statuses, EXTENSION_STATUSES);
  if (unknownTypes.length > 0 || unknownStatuses.length > 0) {
    if (unknownTypes.length > 0) process.stderr.write(`Unknown extension type: ${unknownTypes.join(', ')} (one of ${EXTENSION_TYPES.join(', ')})\n`);
    if (unknownStatuses.length > 0) process.stderr.write(`Unknown extension status: ${unknownStatuses.join(', ')} (one of ${EXTENSION_STATUSES.join(', ')})\n`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  let rateLimited = 0;
  let bar: cliProgress.SingleBar | undefined;
  let barStarted = false;
  const onRateLimited = (waitMs: number) => {
    rateLimited++;
    if (bar && barStarted) bar.update({ status: `rate limited, waiting ${Math.round(waitMs / 1000)} s` });
    else process.stderr.write(`Rate limited (429); waiting ${Math.round(waitMs / 1000)} s\n`);
  };
  let source: AuditSource;
  try {
    source = await openAuditSource(env, { onRateLimited });
  } catch (error) {
    if (error instanceof AuditSettingsError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  if (source.note) process.stderr.write(`${source.note}\n`);

  bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'Auditing |{bar}| {value}/{total} extensions · {status}', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;

  try {
    const report = await runAudit({
      listExtensionsPage: source.listExtensionsPage,
      filter,
      onProgress: (progress) => {
        if (!bar) return;
        const total = progress.total ?? progress.checked;
        if (!barStarted) {
          bar.start(total, progress.checked, { status: formatAuditProgress(progress) });
          barStarted = true;
        } else {
          bar.setTotal(total);
          bar.update(progress.checked, { status: formatAuditProgress(progress) });
        }
      },
    });
    bar?.stop();

    const csvPath = args.values.csv ? fromCallerDirectory(args.values.csv) : undefined;
    if (csvPath) {
      try {
        // names and email addresses: readable by the owner only
        await writeFile(csvPath, auditReportCsv(report.withoutPhoto), { encoding: 'utf8', mode: 0o600 });
        await chmod(csvPath, 0o600); // also when the file was there before (mode applies to new files only)
      } catch (error) {
        process.stderr.write(`The audit ran, but the CSV could not be written to ${csvPath}: ${(error as Error).message}\n`);
        return 1;
      }
    }
    if (args.values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, rateLimited })}\n`);
    } else {
      process.stdout.write(`${formatAuditSummary(report)}\n`);
      if (report.withoutPhoto.length > 0) {
        process.stdout.write('\nWithout a photo:\n');
        for (const person of report.withoutPhoto.slice(0, 20)) {
          process.stdout.write(`  ${person.name}${person.extensionNumber ? ` (ext. ${person.extensionNumber})` : ''}${person.email ? ` <${person.email}>` : ''}\n`);
        }
        if (report.withoutPhoto.length > 20) {
          process.stdout.write(`  …and ${report.withoutPhoto.length - 20} more${args.values.csv ? ` (all in ${csvPath})` : ' (use --csv <path> for the full list)'}\n`);
        }
      }
      if (csvPath) process.stdout.write(`\nCSV written to ${csvPath}\n`);
    }
    return 0;
  } catch (error) {
    bar?.stop();
    process.stderr.write(`The audit failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await source.close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`The audit failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
