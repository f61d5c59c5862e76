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
 * After a sign-in link was used up without effect: RingCentral refused the code the person came
 * back with (`code-refused`), or someone signed in as another person with it (`wrong-person`,
 * their tokens revoked). A fresh sign-in link for the same request, always in the requester's
 * Direct chat with the bot (the chat itself when the request was made there). Platform errors
 * pass through (the event is retried; a retry makes another link, and the unused one expires).
 */
export async function resendSignIn(services: BotServices, p: { request: PendingSetAvatarRequest; reason: 'code-refused' | 'wrong-person'; log: Logger }): Promise<void> {
  const { authorizeUrl } = await services.auth.begin({ extensionId: p.request.requesterId, chatId: p.request.chatId, request: p.request });
  const minutes = Math.round(AUTHORIZATION_TTL_MS / 60000);
  const bot = services.platform.bot();
  const directChatId = p.request.direct ? p.request.chatId : await bot.openDirectChat(p.request.requesterId);
  const why =
    p.reason === 'wrong-person'
      ? 'Your last sign-in link was used by someone signed in as a different RingCentral user, so I ignored it and nothing has changed.'
      : 'RingCentral did not accept your last sign-in, so nothing has changed yet.';
  await bot.createPost(directChatId, `${why} Here is a fresh link: ${authorizeUrl}\nThe link works once, for ${minutes} minutes, and only for you: sign in with your own account.`);
  p.log.info({ reason: p.reason }, 'fresh sign-in link sent after a sign-in that did not count');
}
