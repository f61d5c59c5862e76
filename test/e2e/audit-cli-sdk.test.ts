/**
 * The CLI's listExtensionsPage (scripts/audit.ts, on @ringcentral/sdk) against the local
 * RingCentral emulator over real sockets: paging, filtering, 429s, CSV and JSON output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { SDK } from '@ringcentral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createSdkListExtensionsPage } from '../../scripts/audit.ts';
import { runAudit } from '../../src/audit/run-audit.ts';
import type { AuditReport } from '../../src/audit/audit-types.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const LIST_PATH = '/restapi/v1.0/account/~/extension';

interface StateView {
  app: { clientId: string; clientSecret: string };
  adminJwt: string;
  users: { id: string | number; name: string; hasPhoto: boolean; status?: string }[];
}

let emu: Emulator;
let state: StateView;
let dir: string;
const extraIds: Record<string, string> = {};

async function control(route: string, body: unknown): Promise<any> {
  const r = await fetch(`${emu.url}/_emulator${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.ok, `${route} → ${r.status}`).toBe(true);
  return r.json();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-cli-'));
  emu = await createEmulator({ port: 0, seed: { users: 1200, withPhotoRatio: 0.6 } });
  for (const [key, ext] of Object.entries({
    disabled: { firstName: 'Dee', lastName: 'Sabled', email: 'dee@example.test', type: 'User', status: 'Disabled' },
    zoe: { firstName: 'Zoë', lastName: 'Ångström', email: 'zoe@example.test', type: 'User', status: 'Enabled' },
  })) {
    const created = await control('/extensions', ext);
    extraIds[key] = String(created.id);
  }
  state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as StateView;
});

afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectedMissing(): Set<string> {
  return new Set(
    state.users.filter((u) => !u.hasPhoto && (u.status === undefined || u.status === 'Enabled')).map((u) => String(u.id)),
  );
}

async function loggedInPlatform() {
  const sdk = new SDK({
    server: emu.url,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    cachePrefix: `audit-cli-test-${Math.random()}:`,
  });
  await sdk.platform().login({ jwt: state.adminJwt });
  return sdk.platform();
}

async function listCalls(): Promise<{ method: string; path: string; status: number }[]> {
  const all = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as { method: string; path: string; status: number }[];
  return all.filter((r) => r.method === 'GET' && r.path.startsWith(LIST_PATH) && !r.path.slice(LIST_PATH.length).startsWith('/'));
}

describe('audit over @ringcentral/sdk against the emulator', () => {
  it('reports exactly the enabled users without a photo, with one list call per 1000', async () => {
    const before = (await listCalls()).length;
    const report = await runAudit({ listExtensionsPage: createSdkListExtensionsPage(await loggedInPlatform()) });
    expect(new Set(report.withoutPhoto.map((p) => p.id))).toEqual(expectedMissing());
    expect(report.withoutPhoto.map((p) => p.id)).toContain(extraIds.zoe);
    expect(report.withoutPhoto.map((p) => p.id)).not.toContain(extraIds.disabled);
    expect(report.withoutPhoto.find((p) => p.id === extraIds.zoe)?.name).toBe('Zoë Ångström');
    const pages = Math.ceil(report.totals.extensions / 1000);
    expect(report.apiCalls).toBe(pages);
    expect((await listCalls()).length - before).toBe(pages);
  });

  it('rides out 429s by waiting Retry-After', async () => {
    await control('/faults', { method: 'GET', path: LIST_PATH, status: 429, errorCode: 'CMN-301', count: 2 });
    const waits: number[] = [];
    const report = await runAudit({
      listExtensionsPage: createSdkListExtensionsPage(await loggedInPlatform(), { onRateLimited: (ms) => waits.push(ms) }),
    });
    expect(waits).toHaveLength(2);
    expect(new Set(report.withoutPhoto.map((p) => p.id))).toEqual(expectedMissing());
  });

  it('npm run audit -- --json --csv: exit 0, the report as JSON, the CSV one row per person, readable by its owner only', async () => {
    const csvPath = path.join(dir, 'missing.csv');
    // a relative --csv is where the person ran npm (INIT_CWD), not the package root
    const run = await runCli(['--json', '--csv', 'missing.csv'], {
      INIT_CWD: dir,
      RINGCENTRAL_SERVER_URL: emu.url,
      RINGCENTRAL_CLIENT_ID: state.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: state.app.clientSecret,
      RINGCENTRAL_JWT: state.adminJwt,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(new Set(report.withoutPhoto.map((p) => p.id))).toEqual(expectedMissing());
    expect(statSync(csvPath).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(csvPath);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.totals.withoutPhoto);
    expect(rows.find((r) => r['Extension id'] === extraIds.zoe)?.Name).toBe('Zoë Ångström');
    expect(run.stdout).not.toContain(state.adminJwt);
  });

  it('npm run audit with part of the app settings says what is missing and exits 1', async () => {
    const run = await runCli([], { RINGCENTRAL_SERVER_URL: emu.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Missing: RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET.');
    expect((await runCli(['--nope'], {})).code).toBe(2);
  });

  it('npm run audit with an unknown extension type or status names it and exits 2 (instead of auditing nobody as 100 %)', async () => {
    const typo = await runCli(['--types', 'Users'], { RINGCENTRAL_SERVER_URL: emu.url });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Unknown extension type: Users (one of User,');
    expect(typo.stdout).toBe('');
    const status = await runCli(['--statuses', 'Enabled,Active'], { RINGCENTRAL_SERVER_URL: emu.url });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('Unknown extension status: Active');
  });

  it('npm run audit -- --csv into a missing folder says the CSV could not be written and exits 1', async () => {
    const csvPath = path.join(dir, 'no-such-folder', 'missing.csv');
    const run = await runCli(['--csv', csvPath], {
      RINGCENTRAL_SERVER_URL: emu.url,
      RINGCENTRAL_CLIENT_ID: state.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: state.app.clientSecret,
      RINGCENTRAL_JWT: state.adminJwt,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The audit ran, but the CSV could not be written to ${csvPath}: ENOENT`);
  });

  it('npm run audit without any settings audits a demo company in the built-in emulator', async () => {
    const run = await runCli(['--json'], {});
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('auditing a demo company of 1,200 people in the built-in emulator');
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(report.apiCalls).toBe(2);
    expect(report.totals.withPhoto + report.totals.withoutPhoto).toBe(report.totals.extensions);
    expect(report.totals.withoutPhoto).toBeGreaterThan(0);
  });
});

/** Runs scripts/audit.ts in a child process from an empty directory (so no .env is read). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RINGCENTRAL_') && !k.startsWith('AUDIT_') && k !== 'INIT_CWD'));
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(projectRoot, 'scripts/audit.ts'), ...args],
    { cwd: dir, env: { ...clean, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}
