/**
 * Process entry (`npm start`): load and validate the settings, start the bot (or demo mode when
 * no RingCentral app is configured), and shut down gracefully on SIGTERM/SIGINT: stop taking
 * work, drain the dispatcher, close the platform, the image workers and the store, exit 0.
 */
import { loadConfigFromProcess, type Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { createRingCentralPlatform } from './platform/create-ringcentral-platform.ts';
import { processAvatar, closeAvatarWorkers, configureAvatarWorkers } from './avatars/index.ts';
import { startBot } from './server/start-bot.ts';
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
  if (config.avatarWorkers > 0) await configureAvatarWorkers({ threads: config.avatarWorkers });
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
  installShutdown(logger, close);
}

function installShutdown(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      try {
        await close();
        await closeAvatarWorkers();
        logger.flush();
        process.exit(0);
      } catch (e) {
        logger.error({ err: e }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`Could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
