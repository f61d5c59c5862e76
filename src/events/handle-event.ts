/**
 * What the dispatcher does with one inbox event: notifications (PostAdded, GroupJoined),
 * card submissions, and requests completed by a person's sign-in. Conversation rules first,
 * then the command; every command failure becomes a reply (commands/reply-with-error.ts).
 */
import type { Logger } from '../logger.ts';
import type { InboxEvent } from '../store/store.ts';
import type { BotServices, CommandContext } from '../commands/command-context.ts';
import { parseCommand } from '../commands/parse-command.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import { replyWithError } from '../commands/reply-with-error.ts';
import { applyProfileImage } from '../commands/apply-profile-image.ts';
import { resendSignIn, type PendingSetAvatarRequest } from '../commands/request-sign-in.ts';
import { showPerson } from '../commands/show-person.ts';
import { fairKeyOf, toNotificationEnvelope, isRecord } from './parse-notification.ts';
import { eventTypeOf, toPostAddedEvent } from './post-added-event.ts';
import { decideConversation, isDirectChatType } from './conversation-rules.ts';
import { setMyAvatarCommand } from '../commands/set-my-avatar.ts';
import { DEFAULT_FLOOD_COMMANDS_PER_MINUTE, FLOOD_NOTE, judgeFlood, slowNoteGate } from './flood-guard.ts';
import { onceReplier } from './effects-once.ts';
import type { AdaptiveCard, NotificationEnvelope } from '../platform/ringcentral-client.ts';
import { CATCH_UP_MARK } from './catch-up.ts';

/** Payload of an `internal` inbox event written when a person comes back from sign-in. */
export interface AuthorizationCompletedPayload {
  type: 'authorization-completed';
  extensionId: string;
  chatId: string;
  request: unknown;
}

/**
 * Payload of an `internal` inbox event written when RingCentral refused the code a person came
 * back with: they get a fresh sign-in link for the same request in their direct chat.
 */
export interface AuthorizationRefusedPayload {
  type: 'authorization-refused';
  /** Why: RingCentral refused the code (default), or someone else signed in with the link. */
  reason?: 'code-refused' | 'wrong-person';
  extensionId: string;
  chatId: string;
  request: unknown;
}

/** Chat types where joining earns a greeting (not the company-wide chat, not the bot's own). */
const GREET_IN = new Set(['Direct', 'PrivateChat', 'Group', 'Team']);

/**
 * Handles one inbox event. Resolves when done (including when it was ignored); rejects only for
 * transient failures the dispatcher should retry (see replyWithError).
 */
export async function handleEvent(event: InboxEvent, log: Logger, services: BotServices): Promise<void> {
  if (event.source === 'internal') return handleInternal(event, log, services);
  if (event.source === 'interactive') return handleCardSubmit(event, log, services);
  const envelope = toNotificationEnvelope(event.payload);
  const type = eventTypeOf(envelope);
  // Renewal reminders and the bot's own extension deletion belong to the platform (WebHook mode
  // brings them here; in WebSocket mode the platform sees them first).
  if (services.platform.handleNotification?.(envelope)) {
    log.debug({ event: envelope.event }, 'notification handled by the platform');
    return;
  }
  if (!services.platform.hasBot()) {
    // Retried by the dispatcher (bounded): the install may be on its way.
    throw new Error(`no bot is installed; ${type || 'event'} can't be handled yet`);
  }
  const bot = services.platform.bot();
  if (type === 'PostAdded') {
    const post = toPostAddedEvent(envelope);
    if (!post) {
      log.warn('PostAdded without chat or creator id; ignored');
      return;
    }
    await notePostSeen(envelope, post.chatId, post.postId, services, log);
    if (post.creatorId === bot.extensionId) {
      log.debug('own post ignored');
      return;
    }
    const chatType = await chatTypeOf(post.chatId, services, log);
    const decision = decideConversation(post, bot.extensionId, chatType);
    if (decision.action === 'ignore') {
      log.debug({ reason: decision.reason, chatType }, 'post ignored');
      return;
    }
    const ctx: CommandContext = {
      uuid: event.uuid,
      chatId: post.chatId,
      direct: decision.direct,
      requesterId: post.creatorId,
      text: parseCommand(decision.text),
      mentions: decision.mentions,
      attachments: post.attachments,
      attempt: event.attempts,
      log: log.child({ chatId: post.chatId, requesterId: post.creatorId }),
      reply: envelope.body[CATCH_UP_MARK] === true ? lateReplier(onceReplier(services, event.uuid, post.chatId, log)) : onceReplier(services, event.uuid, post.chatId, log),
      services,
    };
    const flood = await judgeFlood({
      store: services.store,
      event,
      fairKey: fairKeyOf(envelope),
      perMinute: services.settings.floodCommandsPerMinute ?? DEFAULT_FLOOD_COMMANDS_PER_MINUTE,
      command: services.registry().find(ctx.text),
      text: ctx.text,
      mentions: ctx.mentions,
    });
    if (flood.note && event.attempts === 1) {
      ctx.log.info('flooding: told once');
      await ctx.reply(FLOOD_NOTE);
    }
    if (flood.coalesced) {
      ctx.log.info('flooding: a duplicate of a request already answered; coalesced');
      return;
    }
    return runCommand(ctx);
  }
  if (type === 'GroupJoined' || type === 'ChatJoined') {
    const chatId = String(envelope.body.id ?? '');
    const chatType = typeof envelope.body.type === 'string' ? envelope.body.type : '';
    if (!chatId) return;
    if (chatType) await services.store.putChatType(chatId, chatType, services.now());
    // Greeted once per event (effects-once.ts): a retry posts it unless an earlier attempt did.
    if (GREET_IN.has(chatType)) {
      await onceReplier(services, event.uuid, chatId, log)(services.registry().helpText());
      log.info({ chatId, chatType }, 'greeted a chat the bot joined');
    }
    return;
  }
  log.debug({ eventType: type, event: envelope.event }, 'event type not handled');
}

/** Matches and runs a command; unknown text gets the help. Failures become replies. */
export async function runCommand(ctx: CommandContext): Promise<void> {
  const registry = ctx.services.registry();
  try {
    if (ctx.text.normalized === '' && ctx.attachments.length > 0 && ctx.direct) {
      ctx.log.info({ command: setMyAvatarCommand.name }, 'photo without text in a direct chat');
      await setMyAvatarCommand.run(ctx);
      return;
    }
    const command = registry.find(ctx.text);
    if (!command) {
      ctx.log.info('unknown command; answered with help');
      const prefix = ctx.text.normalized === '' ? '' : "Sorry, I didn't get that.\n";
      await ctx.reply(prefix + registry.helpText());
      return;
    }
    ctx.log.info({ command: command.name }, 'command');
    await command.run(ctx);
  } catch (e) {
    await replyWithError({
      error: e,
      attempt: ctx.attempt,
      log: ctx.log,
      reply: (t) => ctx.reply(t),
      maxBytes: ctx.services.settings.maxAttachmentBytes,
      firstSlowNote: slowNoteGate(ctx.services, ctx.requesterId, ctx.uuid),
    });
  }
}

/**
 * The chat's type, cached in the store. When RingCentral won't say (not found, forbidden), the
 * chat is treated as a group, so the bot only answers when mentioned. Transient errors propagate.
 */
async function chatTypeOf(chatId: string, services: BotServices, log: Logger): Promise<string> {
  const cached = await services.store.getChatType(chatId);
  if (cached) {
    services.onChatType?.(chatId, cached);
    return cached;
  }
  let chat: { type?: string };
  try {
    chat = await services.platform.bot().getChat(chatId);
  } catch (e) {
    if (e instanceof PlatformError && (e.kind === 'not-found' || e.kind === 'forbidden' || e.kind === 'bad-request')) {
      log.warn({ err: e, chatId }, 'chat type unknown; treating the chat as a group');
      return 'Group';
    }
    throw e;
  }
  const type = chat.type ?? 'Group';
  await services.store.putChatType(chatId, type, services.now());
  services.onChatType?.(chatId, type);
  return type;
}

/** The first line of the first reply to a post found by catch-up (answered late). */
export const LATE_NOTE = "(Sorry for the late answer: I couldn't receive messages for a while when you sent this.)";

/** A replier whose first text reply starts with LATE_NOTE (cards are sent as they are). */
function lateReplier(reply: (content: string | AdaptiveCard) => Promise<void>) {
  let noted = false;
  return async (content: string | AdaptiveCard) => {
    if (typeof content === 'string' && !noted) {
      noted = true;
      await reply(`${LATE_NOTE}\n${content}`);
      return;
    }
    await reply(content);
  };
}

/**
 * Remembers the chat's newest post seen, so a catch-up after a delivery gap starts after it
 * (events/catch-up.ts). A failure only means a catch-up may look at more posts; logged.
 */
async function notePostSeen(envelope: NotificationEnvelope, chatId: string, postId: string, services: BotServices, log: Logger): Promise<void> {
  const at = Date.parse(typeof envelope.body.creationTime === 'string' ? envelope.body.creationTime : envelope.timestamp);
  if (!postId || !Number.isFinite(at)) return;
  await services.store.chatProgress.notePost(chatId, postId, at, services.now()).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'could not note the newest post of a chat'));
}

async function handleInternal(event: InboxEvent, log: Logger, services: BotServices): Promise<void> {
  const p = event.payload as AuthorizationCompletedPayload | AuthorizationRefusedPayload;
  if ((p?.type !== 'authorization-completed' && p?.type !== 'authorization-refused') || !isRecord(p.request) || p.request.kind !== 'set-avatar') {
    log.warn('unknown internal event ignored');
    return;
  }
  const request = p.request as unknown as PendingSetAvatarRequest;
  if (p.type === 'authorization-refused') {
    await resendSignIn(services, { request, reason: p.reason ?? 'code-refused', log: log.child({ requesterId: request.requesterId }) });
    return;
  }
  const reply = onceReplier(services, event.uuid, request.chatId, log);
  const l = log.child({ chatId: request.chatId, requesterId: request.requesterId });
  try {
    await applyProfileImage(services, { request, reply, log: l, effectKey: `${event.uuid}:profile-image` });
  } catch (e) {
    await replyWithError({ error: e, attempt: event.attempts, log: l, reply: (t) => reply(t), firstSlowNote: slowNoteGate(services, request.requesterId, event.uuid) });
  }
}

async function handleCardSubmit(event: InboxEvent, log: Logger, services: BotServices): Promise<void> {
  const p = event.payload;
  if (!isRecord(p) || !isRecord(p.data) || !isRecord(p.conversation) || !isRecord(p.user)) {
    log.warn('card submission without data, conversation or user; ignored');
    return;
  }
  const chatId = String(p.conversation.id ?? '');
  const requesterId = String(p.user.extId ?? p.user.id ?? '');
  if (!chatId || !requesterId || !services.platform.hasBot()) return;
  const reply = onceReplier(services, event.uuid, chatId, log);
  const l = log.child({ chatId, requesterId, action: p.data.action });
  try {
    if (p.data.action === 'show' && typeof p.data.extensionId === 'string') {
      await showPerson({ services, chatId, reply, log: l }, p.data.extensionId);
    } else if (p.data.action === 'help') {
      await reply(services.registry().helpText());
    } else if (p.data.action === 'command' && typeof p.data.text === 'string') {
      // A button that stands for typed words (e.g. "confirm reminders"): they run as if the
      // person who clicked had typed them in that chat; the command checks who may.
      await runCommand({
        uuid: event.uuid,
        chatId,
        direct: isDirectChatType((await services.store.getChatType(chatId)) ?? ''),
        requesterId,
        text: parseCommand(p.data.text),
        mentions: [],
        attachments: [],
        attempt: event.attempts,
        log: l,
        reply,
        services,
      });
    } else {
      l.info('card action not known; ignored');
    }
  } catch (e) {
    await replyWithError({ error: e, attempt: event.attempts, log: l, reply: (t) => reply(t), firstSlowNote: slowNoteGate(services, requesterId, event.uuid) });
  }
}
