/**
 * `--help` on every script prints the usage on stdout and exits 0 without starting anything
 * (no emulator listening, no benchmark run, no audit, no image work).
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(root, script), ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('--help', () => {
  it.each([
    ['scripts/emulator.ts', 'npm run emulator', /listening/i],
    ['scripts/avatar.ts', 'npm run avatar', /"ok"/],
    ['scripts/audit.ts', 'npm run audit', /Auditing|emulator/],
    ['scripts/bench/run-all.ts', 'npm run bench', /bench: /],
  ])('%s prints its usage and exits 0 without starting', async (script, usage, startedSign) => {
    for (const flag of ['--help', '-h']) {
      const r = await run(script, [flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: /i);
      expect(r.stdout).toContain(usage);
      expect(r.stdout + r.stderr).not.toMatch(startedSign);
    }
  }, 120_000);

  it('the bot (src/main.ts) prints its usage for --help and exits 0 without starting', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run('src/main.ts', [flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: npm start/i);
      expect(r.stdout + r.stderr).not.toMatch(/demo mode with the embedded emulator|listening/);
    }
  }, 120_000);

  it('the demo with its emulator port taken says so in one sentence, without a stack trace', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', path.join(root, 'src/main.ts')],
          { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', PORT: '0', EMULATOR_PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: 'file::memory:' } },
          (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
        );
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Could not start: EMULATOR_PORT ${port} is already in use`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  }, 120_000);

  it('an unknown option is a usage error (exit 2), told in a sentence without a stack trace', async () => {
    for (const script of ['scripts/emulator.ts', 'scripts/avatar.ts', 'scripts/audit.ts', 'scripts/bench/run-all.ts']) {
      const r = await run(script, ['--no-such-option']);
      expect(r.code, script).toBe(2);
      expect(r.stderr, script).toMatch(/Unknown option '--no-such-option'/);
      expect(r.stderr, script).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
