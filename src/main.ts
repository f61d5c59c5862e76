/**
 * Process entry (`npm start` = `node --import tsx src/main.ts`; in production `node dist/main.js`
 * after `npm run build`): load and validate the settings, start the bot (or demo mode when no
 * RingCentral app is configured), and shut down gracefully on SIGTERM/SIGINT: stop taking work,
 * drain the dispatcher, close the platform, the image workers and the store, exit 0. The process
 * receives the signals itself: no launcher in between that could kill it mid-drain.
 */
import { loadConfigFromProcess, type Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger, logFormatFor } from './logger.ts';
import { createRingCentralPlatform } from './platform/create-ringcentral-platform.ts';
import { processAvatar, closeAvatarWorkers, configureAvatarWorkers, selectEngine, warmAvatarWorkers } from './avatars/index.ts';
import { startBot } from './app/start-bot.ts';
import { installShutdown } from './app/shutdown.ts';
import { DatabaseUnavailableError } from './store/open-store.ts';

const USAGE = `Usage: npm start [-- --help]        (built: node dist/main.js)

Starts the avatar bot. Settings come from the environment or .env (docs/settings.md,
.env.example); with no RINGCENTRAL_* settings it runs demo mode: the built-in RingCentral
emulator and a demo company, with a web console. SIGTERM or Ctrl-C drains and stops.
`;

async function main(): Promise<void> {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(USAGE);
    return;
  }
  let config: Config;
  try {
    config = loadConfigFromProcess();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger({ level: config.logLevel, format: logFormatFor({ isTTY: process.stdout.isTTY, nodeEnv: config.nodeEnv }) });
  if (config.avatarWorkers > 0) await configureAvatarWorkers({ threads: config.avatarWorkers });
  // Warm while the rest starts: the image thread the pool keeps at idle starts and loads sharp
  // (or jimp), so the first photo finds it ready. sharp loads only there, never on this
  // thread (select-engine.ts, docs/performance.md).
  const warm = selectEngine(config.imageEngine)
    .then((engine) => warmAvatarWorkers(engine))
    .catch((e: unknown) => logger.warn({ err: e }, 'could not warm up the image workers; the first photo will start them'));
  const deps = { config, logger, createPlatform: createRingCentralPlatform, processAvatar };

  // Signals are handled from here on, also while starting: a stop during start waits for the
  // start to finish, then drains like any other.
  let started: Promise<() => Promise<void>> | undefined;
  installShutdown({
    logger,
    close: async () => {
      const close = await started?.catch(() => undefined);
      await close?.();
      await closeAvatarWorkers();
    },
  });
  started = (async () => {
    if (config.mode === 'demo') {
      logger.info('no RingCentral settings: starting demo mode with the embedded emulator');
      // Imported only here: production never loads the demo or the emulator.
      const { startDemo } = await import('./demo/start-demo.ts');
      const demo = await startDemo({
        ...deps,
        // First and short: where to go, while the bot is still starting.
        onConsoleReady: (url) => process.stdout.write(`\nChat with the bot in your browser: ${url}  (starting the bot…)\n\n`),
      });
      process.stdout.write(demo.guide);
      return () => demo.close();
    }
    const bot = await startBot({ ...deps, ...(config.publicUrl ? { webhookBase: 'public' as const } : {}) });
    return () => bot.close();
  })();
  await started;
  await warm;
}

/** A sentence for start failures a person can fix (port taken, no permission); undefined for bugs. */
function usageProblem(e: unknown): string | undefined {
  // An unreachable database is one line naming DATABASE_URL (no password, no stack).
  if (e instanceof DatabaseUnavailableError) return e.message;
  // A port taken in demo mode comes wrapped in a sentence naming its setting (demo/start-demo.ts portInUse).
  if (e instanceof Error && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') return e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === 'EADDRINUSE') return `port ${err.port ?? ''} is already in use${err.address ? ` on ${err.address}` : ''}: stop what listens there or set PORT (and EMULATOR_PORT in demo mode) to a free port`;
  if (err?.code === 'EACCES') return `no permission to listen on port ${err.port ?? ''}: pick a port above 1023 (PORT)`;
  if (err?.code === 'EADDRNOTAVAIL' || err?.code === 'ENOTFOUND') return `HOST ${err.address ?? ''} is not an address of this machine: use 0.0.0.0, 127.0.0.1 or one of its addresses`;
  return undefined;
}

main().catch((e: unknown) => {
  const sentence = usageProblem(e);
  process.stderr.write(sentence ? `Could not start: ${sentence}\n` : `Could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
