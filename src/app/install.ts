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

/**
 * Builds {@link InstallBot}; `onInstalled` runs after the token was stored (starts delivery).
 * `sync` (when given) learns what this instance installed and stored, so it doesn't take its
 * own write for a change made elsewhere.
 */
export function createInstallBot(p: { platform: RingCentralPlatform; store: Store; cipher: TokenCipher; onInstalled: () => void; sync?: BotTokenSync }): InstallBot {
  return async (accessToken) => {
    const r = await p.platform.installBotToken(accessToken);
    p.sync?.noteInstalled(accessToken);
    const sealed = p.cipher.seal(accessToken, 'bot-token');
    await p.store.setSetting(SETTING_BOT_TOKEN, sealed);
    p.sync?.noteStored(sealed);
    p.onInstalled();
    return r;
  };
}

/**
 * Keeps this instance's bot token in step with the store, where every instance writes it: a bot
 * installed (private POST /oauth, public code) or reinstalled with a rotated token through any
 * instance is installed here too; a deleted token (bot removed, refused) is forgotten here.
 */
export interface BotTokenSync {
  /** This instance installed `token` (before storing it). */
  noteInstalled(token: string): void;
  /** This instance stored `sealed` as the bot token setting. */
  noteStored(sealed: string): void;
  /**
   * Reads the stored token once (one small SELECT); when it changed since the last look, installs
   * it (or forgets the installed one when it was deleted). Never throws.
   */
  check(): Promise<void>;
  /** Checks every `everyMs` (unref'd timer); returns the function that stops it. */
  start(everyMs: number): () => void;
}

/** Builds the {@link BotTokenSync}; `onInstalled` starts delivery after an install made here. */
export function createBotTokenSync(p: { platform: RingCentralPlatform; store: Store; cipher: TokenCipher; logger: Logger; onInstalled: () => void }): BotTokenSync {
  const NOT_READ = Symbol('not read');
  let lastSealed: string | undefined | typeof NOT_READ = NOT_READ;
  let lastToken: string | undefined;
  let checking: Promise<void> | undefined;

  async function checkNow(): Promise<void> {
    const sealed = await p.store.getSetting(SETTING_BOT_TOKEN);
    if (sealed === lastSealed) return;
    if (sealed === undefined) {
      lastSealed = undefined;
      if (lastToken !== undefined && p.platform.hasBot()) {
        p.logger.info('the bot token was deleted through another instance (bot removed); forgotten here');
        p.platform.uninstallBot();
      }
      lastToken = undefined;
      return;
    }
    let token: string;
    try {
      token = p.cipher.open(sealed, 'bot-token');
    } catch (e) {
      lastSealed = sealed;
      p.logger.warn({ err: e }, 'stored bot token could not be decrypted (key changed?); not installed here');
      return;
    }
    if (token === lastToken && p.platform.hasBot()) {
      lastSealed = sealed;
      return;
    }
    const { extensionId } = await p.platform.installBotToken(token);
    lastToken = token;
    lastSealed = sealed;
    p.logger.info({ botExtensionId: extensionId }, 'bot token changed in the store (installed through another instance); installed here');
    p.onInstalled();
  }

  return {
    noteInstalled(token) {
      lastToken = token;
    },
    noteStored(sealed) {
      lastSealed = sealed;
    },
    check() {
      checking ??= checkNow()
        .catch((e: unknown) => p.logger.warn({ err: e }, 'could not take over the bot token from the store; will look again'))
        .finally(() => {
          checking = undefined;
        });
      return checking;
    },
    start(everyMs) {
      const timer = setInterval(() => void this.check(), everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
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
