/**
 * Browser-test kit for the emulator's web console: Debian's Chromium through playwright-core,
 * headless, with a fresh user-data dir; and `npm start` in demo mode, spawned as a person runs it.
 * Without /usr/bin/chromium the console tests are skipped with one printed reason, unless CI is
 * set (then they run and fail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createEmulatorControl, type EmulatorStateSummary } from '../../src/demo/emulator-control.ts';
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { tempDatabase } from '../helpers/temp-database.ts';

export const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(import.meta.dirname, '../..');

/** True when the browser tests should be skipped (no Chromium, not CI); prints why, once per file. */
export function skipWithoutChromium(): boolean {
  if (fs.existsSync(CHROMIUM) || process.env.CI) return false;
  console.log(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
  return true;
}

/** A headless Chromium with its own new profile; `close()` ends it and removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface RunningDemoProcess {
  proc: SpawnedProcess;
  emulatorUrl: string;
  botUrl: string;
  state: EmulatorStateSummary;
  stop(): Promise<void>;
}

/** Spawns `npm start` in demo mode on free ports and waits for its guide; `stop()` sends SIGTERM. */
export async function startDemoProcess(): Promise<RunningDemoProcess> {
  const db = tempDatabase();
  const port = await freePort();
  const emulatorPort = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATABASE_URL: db.url, LOG_LEVEL: 'info', NODE_ENV: 'development' };
  const proc = spawnProcess('npm', ['start', '--silent'], { cwd: root, env });
  try {
    await proc.waitForLine((l) => l.includes('=== Demo is ready ==='), 60_000);
  } catch (e) {
    proc.signal('SIGKILL');
    db.cleanup();
    throw new Error(`demo did not start: ${proc.lines.slice(-20).join('\n')}`, { cause: e });
  }
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  return {
    proc,
    emulatorUrl,
    botUrl: `http://127.0.0.1:${port}`,
    state: await createEmulatorControl(emulatorUrl).state(),
    async stop() {
      proc.signal('SIGTERM');
      await proc.exited;
      db.cleanup();
    },
  };
}
