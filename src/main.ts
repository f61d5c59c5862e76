/**
 * Process entry (`npm start` = `node --import tsx src/main.ts`; in production `node dist/main.js`
 * after `npm run build`): load and validate the settings, start the bot (or demo mode when no
 * RingCentral app is configured), and shut down gracefully on SIGTERM/SIGINT: stop taking work,
 * drain the dispatcher, close the platform, the image workers and the store, exit 0. The process
 * receives the signals itself: no launcher in between that could kill it mid-drain.
 */
import { loadConfigFromProcess, type Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger } from './logger.ts';
import { createRingCentralPlatform } from './platform/create-ringcentral-platform.ts';
import { processAvatar, closeAvatarWorkers, configureAvatarWorkers } from './avatars/index.ts';
import { startBot } from './app/start-bot.ts';
import { installShutdown } from './app/shutdown.ts';
import { startDemo } from './demo/start-demo.ts';

async function main(): Promise<void> {
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
  const logger = createLogger({ level: config.logLevel });
  if (config.avatarWorkers > 0) configureAvatarWorkers({ threads: config.avatarWorkers });
  const deps = { config, logger, createPlatform: createRingCentralPlatform, processAvatar };

  let close: () => Promise<void>;
  if (config.mode === 'demo') {
    logger.info('no RingCentral settings: starting demo mode with the embedded emulator');
    const demo = await startDemo(deps);
    close = () => demo.close();
    process.stdout.write(demo.guide);
  } else {
    const bot = await startBot({ ...deps, ...(config.publicUrl ? { webhookBase: 'public' as const } : {}) });
    close = () => bot.close();
  }
  installShutdown({
    logger,
    close: async () => {
      await close();
      await closeAvatarWorkers();
    },
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`Could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
