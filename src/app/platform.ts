/**
 * Step "platform": the one door to RingCentral, built by a factory the caller chooses
 * (`createRingCentralPlatform` in production, the same over the emulator in demo mode and tests).
 */
import type { Logger } from '../logger.ts';
import type { RingCentralPlatform, UserTokenVault } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { SETTING_BOT_TOKEN } from '../store/setting-keys.ts';

/** Options of `createRingCentralPlatform` (src/platform) that the bot passes. */
export interface PlatformFactoryOptions {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  userRedirectUri?: string;
  vault: UserTokenVault;
  logger: Logger;
  onBotRemoved?: () => void;
  /** Per-attempt timeouts of RingCentral calls by kind, ms (config.ringcentralTimeouts). */
  timeouts?: { api: number; download: number; upload: number };
  /** Path prefixes of file links attachments may come from on RingCentral's own hosts. */
  attachmentFilePaths?: string[];
  /** How often the subscription's state is read from the platform, ms (SUBSCRIPTION_CHECK_SECONDS). */
  subscriptionCheckIntervalMs?: number;
  /** The store's rate grants: every instance paces RingCentral calls together. */
  sharedRateBudget?: Store['rateGrants'];
  /** The delivery mode the bot will start (reported by `/health` before the install). */
  deliveryMode?: 'webhook' | 'websocket';
}

export type PlatformFactory = (options: PlatformFactoryOptions) => RingCentralPlatform;

/**
 * Creates the platform for the app `{serverUrl, clientId, clientSecret}`; when RingCentral says
 * the bot was removed, the stored bot token is deleted.
 */
export function createBotPlatform(p: {
  createPlatform: PlatformFactory;
  app: { serverUrl: string; clientId: string; clientSecret: string };
  vault: UserTokenVault;
  store: Store;
  logger: Logger;
  timeouts: { api: number; download: number; upload: number };
  attachmentFilePaths: string[];
  subscriptionCheckIntervalMs: number;
  deliveryMode: 'webhook' | 'websocket';
}): RingCentralPlatform {
  const { logger, store } = p;
  return p.createPlatform({
    serverUrl: p.app.serverUrl,
    clientId: p.app.clientId,
    clientSecret: p.app.clientSecret,
    vault: p.vault,
    logger: logger.child({ module: 'platform' }),
    timeouts: p.timeouts,
    attachmentFilePaths: p.attachmentFilePaths,
    subscriptionCheckIntervalMs: p.subscriptionCheckIntervalMs,
    deliveryMode: p.deliveryMode,
    sharedRateBudget: store.rateGrants,
    onBotRemoved: () => {
      logger.warn('the bot was removed from RingCentral; its stored token is deleted');
      void store.deleteSetting(SETTING_BOT_TOKEN).catch((e: unknown) => logger.error({ err: e }, 'could not delete the bot token'));
    },
  });
}
