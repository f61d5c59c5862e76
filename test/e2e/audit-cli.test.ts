/**
 * `npm run audit` with the bot's own stored token: a running bot (installed in the emulator)
 * keeps its token sealed in its database; the CLI, given only the app settings, DATABASE_URL
 * and TOKEN_ENCRYPTION_KEY, opens it and audits through the bot's platform client. Its report
 * must match what the bot's own chat audit says.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import type { AuditReport } from '../../src/audit/audit-types.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
let w: BotWorld;
let dir: string;

beforeAll(async () => {
  w = await startBotWorld();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-e2e-'));
}, 30_000);

afterAll(async () => {
  await w?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs scripts/audit.ts from an empty directory (no .env) with only `env` as settings. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(RINGCENTRAL_|AUDIT_|DATABASE_URL|TOKEN_ENCRYPTION_KEY)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(projectRoot, 'scripts/audit.ts'), ...args], {
    cwd: dir,
    env: { ...clean, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run audit with the stored bot token', () => {
  it('audits the account with the token the installed bot keeps, and agrees with the emulator', async () => {
    const state = await w.control.state();
    // Demo mode generated the key and kept it in the store; a real deployment sets it.
    const key = await w.bot.store.getSetting('demo.token-encryption-key');
    expect(key).toBeTruthy();
    const env = {
      RINGCENTRAL_SERVER_URL: w.emulator.url,
      RINGCENTRAL_CLIENT_ID: state.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: state.app.clientSecret,
      DATABASE_URL: `file:${w.bot.store.file!}`,
      TOKEN_ENCRYPTION_KEY: key!,
    };
    const before = (await w.control.requests()).length;
    const run = await runCli(['--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Auditing with the bot's token (extension ${w.setup.botId}).`);
    const report = JSON.parse(run.stdout) as AuditReport;
    const missing = state.users.filter((u) => !u.hasPhoto).map((u) => u.id);
    expect(new Set(report.withoutPhoto.map((p) => p.id))).toEqual(new Set(missing));
    expect(report.totals.extensions).toBe(state.users.length);
    // The calls were the bot's own: same caller as the bot's replies.
    const calls = (await w.control.requests()).slice(before).filter((r) => r.method === 'GET' && r.path === '/restapi/v1.0/account/~/extension');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.callerExtensionId).toBe(w.setup.botId);
    // Nothing secret on the terminal.
    expect(run.stdout + run.stderr).not.toContain(key!);

    const wrongKey = await runCli([], { ...env, TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("can't be opened with this TOKEN_ENCRYPTION_KEY");
  }, 30_000);
});
