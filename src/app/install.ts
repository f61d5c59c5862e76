/**
 * Step "install": the bot's own token — stored from an earlier install, else
 * RINGCENTRAL_BOT_TOKEN — installed on the platform, with backoff while RingCentral is
 * unreachable at start.
 */
import type { Logger } from '../logger.ts';
import type { RingCentralPlatform } from '../platform/ringcentral-client.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import type { Store } from '../store/store.ts';
import { SETTING_BOT_TOKEN } from '../store/setting-keys.ts';
import type { TokenCipher } from '../users/token-cipher.ts';

/** Installs a bot token, stores it sealed and starts delivery; resolves the bot extension id. */
export type InstallBot = (accessToken: string) => Promise<{ extensionId: string }>;

/** Builds {@link InstallBot}; `onInstalled` runs after the token was stored (starts delivery). */
export function createInstallBot(p: { platform: RingCentralPlatform; store: Store; cipher: TokenCipher; onInstalled: () => void }): InstallBot {
  return async (accessToken) => {
    const r = await p.platform.installBotToken(accessToken);
    await p.store.setSetting(SETTING_BOT_TOKEN, p.cipher.seal(accessToken, 'bot-token'));
    p.onInstalled();
    return r;
  };
}

/** The stored bot token (opened), else `fallback` (RINGCENTRAL_BOT_TOKEN); undefined when neither. */
export async function knownBotToken(store: Store, cipher: TokenCipher, fallback: string | undefined, logger: Logger): Promise<string | undefined> {
  const sealed = await store.getSetting(SETTING_BOT_TOKEN);
  if (sealed) {
    try {
      return cipher.open(sealed, 'bot-token');
    } catch (e) {
      logger.warn({ err: e }, 'stored bot token could not be decrypted (key changed?); waiting for a new install');
    }
  }
  return fallback;
}

/**
 * Installs `token` now. RingCentral unreachable or busy: tries again with backoff (2 s doubling
 * up to 1 min) until it works, an install arrives through /oauth, or we stop — without this the
 * bot would stay uninstalled after a network outage at boot. A token RingCentral refuses
 * (removed bot, 401) is deleted. Resolves after the first attempt; never throws.
 * Returns the function that cancels a pending retry.
 */
export async function installKnownToken(p: {
  token: string;
  installBot: InstallBot;
  platform: RingCentralPlatform;
  store: Store;
  isClosing: () => boolean;
  logger: Logger;
}): Promise<() => void> {
  const { logger } = p;
  let retry: NodeJS.Timeout | undefined;
  const attemptInstall = async (attempt: number): Promise<void> => {
    try {
      const { extensionId } = await p.installBot(p.token);
      logger.info({ botExtensionId: extensionId }, 'bot token installed');
    } catch (e) {
      if (e instanceof PlatformError && (e.kind === 'bot-removed' || e.kind === 'unauthorized')) {
        await p.store.deleteSetting(SETTING_BOT_TOKEN);
        logger.warn({ err: e }, 'the stored bot token is no longer valid; install the bot again');
        return;
      }
      const transient = !(e instanceof PlatformError) || e.kind === 'unavailable' || e.kind === 'rate-limited';
      if (!transient || p.isClosing()) {
        logger.error({ err: e }, 'could not install the bot token; will wait for an install');
        return;
      }
      const retryInMs = Math.min(60_000, 2000 * 2 ** (attempt - 1));
      logger.warn({ err: e, retryInMs }, 'could not install the bot token (RingCentral unreachable or busy); will try again');
      retry = setTimeout(() => {
        retry = undefined;
        if (!p.isClosing() && !p.platform.hasBot()) void attemptInstall(attempt + 1).catch((err: unknown) => logger.error({ err }, 'bot token install retry failed'));
      }, retryInMs);
      retry.unref();
    }
  };
  await attemptInstall(1);
  return () => {
    if (retry) clearTimeout(retry);
  };
}
