/**
 * The bot as its own process, started the way production starts it (`node --import tsx
 * src/main.ts`, what `npm start` runs; or `node dist/main.js` after `npm run build`), against an
 * emulator running in the test process: the app's settings, one database, one port, a token
 * encryption key and a verification token that stay the same across restarts. `start()` spawns a
 * process (again, for a restart on the same database); `killAll()` ends every one it started.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { registerRedirectUris } from '../../src/demo/start-demo.ts';
import type { EmulatorControl } from '../../src/demo/emulator-control.ts';
import { freePort, spawnProcess, type SpawnedProcess } from './spawn-process.ts';
import { waitUntil } from './wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface ProductionBotOptions {
  /** The emulator the bot talks to (its `/oauth` and `/oauth/user` are registered there as redirect URIs). */
  emulator: Emulator;
  /** The app's credentials (`state().app` or `reset().app` of the emulator control). */
  app: { clientId: string; clientSecret: string };
  /** DATABASE_URL. */
  databaseUrl: string;
  /** PORT; default a free one. */
  port?: number;
  /**
   * PUBLIC_URL: `'self'` (default) the bot's own address, so deliveries come by WebHook; another
   * URL (a proxy in front of several instances); `'none'` for WebSocket delivery.
   */
  publicUrl?: 'self' | 'none' | string;
  /** NODE_ENV (default 'production'). */
  nodeEnv?: 'production' | 'test';
  /** 'src' (default): `node --import tsx src/main.ts`; 'dist': `node dist/main.js` (build first). */
  from?: 'src' | 'dist';
  /** TOKEN_ENCRYPTION_KEY; default a random one (instances of one deployment share it). */
  tokenEncryptionKey?: string;
  /** WEBHOOK_VERIFICATION_TOKEN; default one generated and stored by the bot. */
  verificationToken?: string;
  /** Any other settings (INBOX_LEASE_SECONDS, FLOOD_COMMANDS_PER_MINUTE, …). */
  env?: Record<string, string>;
}

export interface ProductionBot {
  /** The bot's own address, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /** The settings every start gets. */
  env: Record<string, string | undefined>;
  /** Every process started so far, oldest first. */
  processes: SpawnedProcess[];
  /** Spawns the bot (again); `extraEnv` for this start only. */
  start(extraEnv?: Record<string, string>): SpawnedProcess;
  /** GET /health's JSON (throws while nothing listens). */
  health(): Promise<Record<string, any>>;
  /**
   * Installs the private bot through its own `/oauth` and waits for an Active subscription;
   * resolves the bot's extension id. A process must be running.
   */
  install(control: EmulatorControl, timeoutMs?: number): Promise<string>;
  /** SIGKILLs every process still running and waits for them to exit. */
  killAll(): Promise<void>;
}

/** Settings and process control of one production bot (see the module comment). */
export async function productionBot(o: ProductionBotOptions): Promise<ProductionBot> {
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = o.publicUrl === undefined || o.publicUrl === 'self' ? url : o.publicUrl === 'none' ? undefined : o.publicUrl;
  registerRedirectUris(o.emulator, [`${url}/oauth`, `${url}/oauth/user`]);
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: o.nodeEnv ?? 'production',
    RINGCENTRAL_SERVER_URL: o.emulator.url,
    RINGCENTRAL_CLIENT_ID: o.app.clientId,
    RINGCENTRAL_CLIENT_SECRET: o.app.clientSecret,
    TOKEN_ENCRYPTION_KEY: o.tokenEncryptionKey ?? crypto.randomBytes(32).toString('base64'),
    ...(o.verificationToken ? { WEBHOOK_VERIFICATION_TOKEN: o.verificationToken } : {}),
    ...(publicUrl ? { PUBLIC_URL: publicUrl } : {}),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: o.databaseUrl,
    LOG_LEVEL: 'info',
    ...o.env,
  };
  const args = o.from === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const processes: SpawnedProcess[] = [];
  const health = async () => (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
  return {
    url,
    port,
    env,
    processes,
    start(extraEnv = {}) {
      const p = spawnProcess(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv } });
      processes.push(p);
      return p;
    },
    health,
    async install(control, timeoutMs = 30_000) {
      await waitUntil(async () => (await fetch(`${url}/health`)).ok, 'the bot listening', timeoutMs, { ignoreErrors: true });
      const installed = await control.installBot({ redirectUri: `${url}/oauth` });
      if (installed.status !== 200) throw new Error(`bot install answered ${String(installed.status)}: ${installed.error ?? ''}`);
      await waitUntil(async () => (await health()).eventDelivery?.state === 'active', 'an active subscription', timeoutMs, { ignoreErrors: true });
      return installed.bot.extensionId;
    },
    async killAll() {
      for (const p of processes) p.signal('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
    },
  };
}
