/**
 * What a command receives: who asked, where, the mentions and attachments of the post, a logger
 * keyed by the event uuid, `reply`, and the services it may use.
 */
import type { AdaptiveCard, RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Logger } from '../logger.ts';
import type { Attachment, Mention } from '../platform/ringcentral-types.ts';
import type { UserAuthorization } from '../users/user-authorization.ts';
import type { Store } from '../store/store.ts';
import type { ParsedText } from './parse-command.ts';
import type { CommandRegistry } from './command-registry.ts';

/** The image pipeline as the bot uses it (src/avatars processAvatar). Sizes in px, bytes. */
export type ProcessAvatar = (
  bytes: Uint8Array,
  options: { size?: number; engine?: 'auto' | 'jimp' | 'sharp'; maxInputBytes?: number; maxInputPixels?: number; timeoutMs?: number },
) => Promise<{ bytes: Buffer; contentType: 'image/jpeg' | 'image/png'; width: number; height: number; engine: string; warnings: string[] }>;

export interface BotServices {
  platform: RingCentralPlatform;
  store: Store;
  auth: UserAuthorization;
  processAvatar: ProcessAvatar;
  registry: () => CommandRegistry;
  settings: {
    avatarSize: number;
    imageEngine: 'auto' | 'jimp' | 'sharp';
    /** Largest attachment downloaded, bytes. */
    maxAttachmentBytes: number;
    maxInputPixels: number;
    /** Photo job time limit, ms. */
    avatarTimeoutMs: number;
    /** Posts per minute from one person in one chat before flood control (0 = off; default 20). */
    floodCommandsPerMinute?: number;
    /**
     * Whether card buttons (Action.Submit) reach the bot: `POST /interactive` needs
     * RINGCENTRAL_SHARED_SECRET. Without it cards carry no buttons that would only be refused.
     */
    cardButtons?: boolean;
  };
  now: () => number;
  /**
   * Fault injection for tests (BOT_TEST_CRASH_AFTER, never in production): `afterReply` runs
   * right after a reply is posted, before its result and the event are recorded.
   */
  testHooks?: { afterReply?: () => void } | undefined;
  /** Told every chat type the handler looks up (events/needs-no-work.ts); optional. */
  onChatType?: ((chatId: string, type: string) => void) | undefined;
}

export interface CommandContext {
  /** Event uuid (also the log key). */
  uuid: string;
  chatId: string;
  /** True in a Direct chat with the bot. */
  direct: boolean;
  requesterId: string;
  text: ParsedText;
  /** Mentions other than the bot, in order. */
  mentions: Mention[];
  attachments: Attachment[];
  /** 1 on the first try; higher when the dispatcher retries after a transient failure. */
  attempt: number;
  log: Logger;
  /** Posts text or an Adaptive Card in the chat the command came from. */
  reply(content: string | AdaptiveCard): Promise<void>;
  services: BotServices;
}
