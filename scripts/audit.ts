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
 *                              (app permission ReadAccounts, user permission ReadExtensions)
 *   AUDIT_EXTENSION_TYPES      optional, comma-separated, default User
 *   AUDIT_EXTENSION_STATUSES   optional, comma-separated, default Enabled
 *
 * Prints the summary (or, with --json, the whole report as JSON on stdout), writes the
 * people without a photo as CSV with --csv, and shows a progress bar on a terminal.
 * Exit codes: 0 done, 1 failed or settings missing, 2 bad arguments.
 *
 * TODO(integration): switch to the shared platform client (src/platform) and config.ts, and
 * to the emulator when no RingCentral settings are present, once those land.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SDK } from '@ringcentral/sdk';
import cliProgress from 'cli-progress';
import { config as loadDotenv } from 'dotenv';
import { runAudit, DEFAULT_AUDIT_FILTER } from '../src/audit/run-audit.ts';
import { auditReportCsv, formatAuditProgress, formatAuditSummary } from '../src/audit/audit-report.ts';
import type { ListExtensionsPage, ListExtensionsPageResult } from '../src/audit/audit-types.ts';

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
 * Pacing (RingCentral API notes §5): the list is in the Medium usage plan group; when
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

  loadDotenv({ quiet: true });
  const env = process.env;
  const required = ['RINGCENTRAL_SERVER_URL', 'RINGCENTRAL_CLIENT_ID', 'RINGCENTRAL_CLIENT_SECRET', 'RINGCENTRAL_JWT'] as const;
  const missing = required.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    process.stderr.write(
      `The audit needs a RingCentral account to read. Missing setting${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.\n` +
        'Set them in the environment or in .env:\n' +
        '  RINGCENTRAL_SERVER_URL     e.g. https://platform.ringcentral.com, or the emulator URL printed by `npm run emulator`\n' +
        '  RINGCENTRAL_CLIENT_ID      your app\'s client id\n' +
        '  RINGCENTRAL_CLIENT_SECRET  your app\'s client secret\n' +
        '  RINGCENTRAL_JWT            a JWT credential of a user who may list extensions (ReadAccounts)\n',
    );
    return 1;
  }

  const filter = {
    types: list(args.values.types) ?? list(env.AUDIT_EXTENSION_TYPES) ?? [...DEFAULT_AUDIT_FILTER.types],
    statuses: list(args.values.statuses) ?? list(env.AUDIT_EXTENSION_STATUSES) ?? [...DEFAULT_AUDIT_FILTER.statuses],
  };

  const sdk = new SDK({
    server: env.RINGCENTRAL_SERVER_URL!,
    clientId: env.RINGCENTRAL_CLIENT_ID!,
    clientSecret: env.RINGCENTRAL_CLIENT_SECRET!,
    appName: 'avatar-bot-audit',
    appVersion: '0.1.0',
  });
  const platform = sdk.platform();
  try {
    await platform.login({ jwt: env.RINGCENTRAL_JWT! });
  } catch (error) {
    // The SDK's message is RingCentral's error text; it carries no token.
    process.stderr.write(`Could not log in to ${env.RINGCENTRAL_SERVER_URL}: ${(error as Error).message}\n`);
    return 1;
  }

  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'Auditing |{bar}| {value}/{total} extensions · {status}', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let barStarted = false;
  let rateLimited = 0;

  try {
    const report = await runAudit({
      listExtensionsPage: createSdkListExtensionsPage(platform, {
        onRateLimited: (waitMs) => {
          rateLimited++;
          if (bar && barStarted) bar.update({ status: `rate limited, waiting ${Math.round(waitMs / 1000)} s` });
          else process.stderr.write(`Rate limited (429); waiting ${Math.round(waitMs / 1000)} s\n`);
        },
      }),
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

    if (args.values.csv) {
      await writeFile(args.values.csv, auditReportCsv(report.withoutPhoto), 'utf8');
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
          process.stdout.write(`  …and ${report.withoutPhoto.length - 20} more${args.values.csv ? ` (all in ${args.values.csv})` : ' (use --csv <path> for the full list)'}\n`);
        }
      }
      if (args.values.csv) process.stdout.write(`\nCSV written to ${args.values.csv}\n`);
    }
    return 0;
  } catch (error) {
    bar?.stop();
    process.stderr.write(`The audit failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await platform.logout().catch(() => undefined);
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
