/**
 * Sends a person a sign-in link for their own authorization, in a Direct chat only
 * (never in a group), and keeps their request pending until they come back.
 */
import { AUTHORIZATION_TTL_MS } from '../users/user-authorization.ts';
import type { BotServices } from './command-context.ts';
import type { Logger } from '../logger.ts';

/** A request that waits for a person's sign-in; finished by `finishPendingRequest`. */
export interface PendingSetAvatarRequest {
  kind: 'set-avatar';
  requesterId: string;
  targetId: string;
  targetName?: string;
  chatId: string;
  direct: boolean;
  image: { base64: string; contentType: string; width: number; height: number };
  notes: string[];
}

/**
 * Creates the pending authorization and posts the link: in the chat itself when it is Direct,
 * else in a Direct chat opened with the person, with a short pointer in the group.
 * `reply` posts in the original chat. Platform errors before the link is posted pass through;
 * once it is posted, nothing here throws (a retried event would send another link).
 */
export async function requestSignIn(
  services: BotServices,
  p: { request: PendingSetAvatarRequest; reason: string; reply: (text: string) => Promise<void>; log: Logger },
): Promise<void> {
  const { authorizeUrl } = await services.auth.begin({ extensionId: p.request.requesterId, chatId: p.request.chatId, request: p.request });
  const minutes = Math.round(AUTHORIZATION_TTL_MS / 60000);
  const text =
    `${p.reason} Please sign in to RingCentral and allow access: ${authorizeUrl}\n` +
    `The link works once, for ${minutes} minutes, and only for you. I'll finish as soon as you're back.`;
  if (p.request.direct) {
    await p.reply(text);
  } else {
    const bot = services.platform.bot();
    const directChatId = await bot.openDirectChat(p.request.requesterId);
    await bot.createPost(directChatId, text);
    // The link is out: a failure of this pointer must not make the event retry (and send more links).
    try {
      await p.reply("I've sent you a private sign-in link in a direct message. I'll finish here once you've signed in.");
    } catch (e) {
      p.log.warn({ err: e }, 'could not point to the sign-in link in the group');
    }
  }
  p.log.info('sign-in link sent');
}

/**
 * After RingCentral refused the code a person came back with (their link is used up): a fresh
 * sign-in link for the same request, always in the person's Direct chat with the bot (the chat
 * itself when the request was made there). Platform errors pass through (the event is retried;
 * a retry makes another link, and the unused one expires).
 */
export async function resendSignIn(services: BotServices, p: { request: PendingSetAvatarRequest; log: Logger }): Promise<void> {
  const { authorizeUrl } = await services.auth.begin({ extensionId: p.request.requesterId, chatId: p.request.chatId, request: p.request });
  const minutes = Math.round(AUTHORIZATION_TTL_MS / 60000);
  const bot = services.platform.bot();
  const directChatId = p.request.direct ? p.request.chatId : await bot.openDirectChat(p.request.requesterId);
  await bot.createPost(
    directChatId,
    `RingCentral did not accept your last sign-in, so nothing has changed yet. Here is a fresh link: ${authorizeUrl}\n` +
      `The link works once, for ${minutes} minutes, and only for you.`,
  );
  p.log.info('fresh sign-in link sent after a refused sign-in');
}
