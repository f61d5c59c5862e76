/** What the HTTP layer needs from the rest of the bot (filled in by src/app/start-bot.ts). */
import type { Logger } from '../logger.ts';
import type { RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import type { Dispatcher } from '../events/create-dispatcher.ts';
import type { DeliveryHealth } from './delivery-health.ts';
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';

export interface AppDeps {
  logger: Logger;
  store: Store;
  dispatcher: Dispatcher;
  platform: RingCentralPlatform;
  /**
   * Finishes a person's sign-in (`GET /oauth/user`): exchanges the code, queues the command that
   * waited for it; resolves the person's extension id. Throws BotError (exposed) for a bad or
   * expired state; BotError OAUTH_CODE_REFUSED (status 400 refused, 502 unreachable) when the code
   * exchange fails, after a fresh sign-in link has been queued for the person's direct chat.
   */
  completeAuthorization: (p: { state: string; code: string }) => Promise<{ extensionId: string }>;
  mode: 'ringcentral' | 'demo';
  /** The app's client id (to check `client_id` on bot installs). */
  clientId: string;
  /** Our WebHook verification token. */
  verificationToken: string;
  /** RINGCENTRAL_SHARED_SECRET; without it card submissions are refused. */
  sharedSecret?: string;
  maxBodyBytes: number;
  /** Our base URL (public or bound), e.g. http://127.0.0.1:3000 — known after listen. */
  baseUrl: () => string;
  /** Installs a bot token (private bot POST, public bot code exchange); resolves the bot extension id. */
  installBot: (accessToken: string) => Promise<{ extensionId: string }>;
  now: () => number;
  /** True for a notification the bot won't act on (kept for deduplication only); default: none. */
  needsNoWork?: (envelope: NotificationEnvelope) => boolean;
  /** Told of every verified notification stored or recognised as a duplicate (health: the last notification time). */
  onNotification?: () => void;
  /** Event-loop delay (health). */
  eventLoopDelay?: () => unknown;
  /** Event delivery as `/health` shows it, and whether it is known to be broken (503); server/delivery-health.ts. */
  deliveryHealth?: () => DeliveryHealth;
}
