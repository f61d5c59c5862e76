import { Router } from '@koa/router';
import type { ChatType, EmulatorAttachment } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { addGuest } from '../messaging/person-store.ts';
import { addMemberToChat, chatView, createChat, getChat, invalidParameter, removeMemberFromChat } from '../messaging/chat-store.ts';
import { cardView } from '../messaging/card-store.ts';
import { chatPosts, createPost, fileAttachment, postView } from '../messaging/post-store.ts';
import { storeFile } from '../messaging/file-store.ts';
import { bodyObject, jsonBody, largeJsonBody } from '../request-helpers.ts';
import { blacklistSubscription, subscriptionView } from '../subscriptions/subscription-store.ts';
import { subscriptionRuntime } from '../subscriptions/subscription-runtime.ts';
import { submitAdaptiveCard } from '../messaging/adaptive-card-submit.ts';
import { ApiError } from '../api-error.ts';

const CHAT_TYPES: ChatType[] = ['Personal', 'Direct', 'Group', 'Team', 'Everyone'];

/**
 * Messaging part of the `/_emulator` control API (docs/emulator.md#messaging-control-routes): no
 * authentication, JSON in and out, errors in RingCentral's error shape.
 *
 * - `POST /_emulator/chats` `{type, members, name?, description?}` → 201 chat (TMChatInfo); GroupJoined to each member
 * - `POST /_emulator/chats/:chatId/members` `{extensionId}` → chat; GroupJoined to that person
 * - `DELETE /_emulator/chats/:chatId/members/:extensionId` → chat; GroupLeft to that person
 * - `POST /_emulator/chats/:chatId/posts` `{creatorId, text, attachments?:[{name, contentType, dataBase64}]}` → 201 post
 * - `GET /_emulator/chats/:chatId/posts` → `{records}` every post, oldest first; card posts carry `card` (AdaptiveCardInfo)
 * - `POST /_emulator/guests` `{firstName, lastName, email}` → 201 `{id: 'glip-…'}`
 * - `POST /_emulator/subscriptions/:id/blacklist` `{reason?}` → SubscriptionInfo
 * - `POST /_emulator/websocket/drop` `{recover?: boolean}` (default true) → `{dropped}`
 * - `POST /_emulator/adaptive-cards/:cardId/submit` `{extensionId, url, data?, sharedSecret?, signatureFormat?}`
 *   → `{sent, signature?, status?, body?, error?}` (a person clicks Action.Submit; see adaptive-card-submit.ts)
 */
export function teamMessagingControlRouter(state: EmulatorState): Router {
  const router = new Router({ prefix: '/_emulator' });

  router.post('/chats', jsonBody, (ctx) => {
    const body = bodyObject(ctx);
    const type = body.type as ChatType;
    if (!CHAT_TYPES.includes(type)) throw invalidParameter('type');
    if (!Array.isArray(body.members)) throw invalidParameter('members');
    if (body.name !== undefined && typeof body.name !== 'string') throw invalidParameter('name');
    if (body.description !== undefined && typeof body.description !== 'string') throw invalidParameter('description');
    const chat = createChat(state, {
      type,
      members: (body.members as unknown[]).map(String),
      ...(body.name !== undefined ? { name: body.name as string } : {}),
      ...(body.description !== undefined ? { description: body.description as string } : {}),
    });
    ctx.status = 201;
    ctx.body = chatView(chat);
  });

  router.post('/chats/:chatId/members', jsonBody, (ctx) => {
    const id = bodyObject(ctx).extensionId;
    if (typeof id !== 'string' && typeof id !== 'number') throw invalidParameter('extensionId');
    ctx.body = chatView(addMemberToChat(state, ctx.params.chatId as string, String(id)));
  });

  router.delete('/chats/:chatId/members/:extensionId', (ctx) => {
    ctx.body = chatView(removeMemberFromChat(state, ctx.params.chatId as string, ctx.params.extensionId as string));
  });

  router.post('/chats/:chatId/posts', largeJsonBody, (ctx) => {
    const body = bodyObject(ctx);
    const chatId = ctx.params.chatId as string;
    getChat(state, chatId);
    const creatorId = typeof body.creatorId === 'number' ? String(body.creatorId) : body.creatorId;
    if (typeof creatorId !== 'string') throw invalidParameter('creatorId');
    if (body.attachments !== undefined && !Array.isArray(body.attachments)) throw invalidParameter('attachments');
    const uploads = ((body.attachments as unknown[] | undefined) ?? []).map((a) => {
      const item = (a ?? {}) as { name?: unknown; contentType?: unknown; dataBase64?: unknown };
      if (typeof item.dataBase64 !== 'string' || typeof item.name !== 'string') throw invalidParameter('attachments');
      return {
        name: item.name,
        contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
        bytes: Buffer.from(item.dataBase64, 'base64'),
      };
    });
    const chat = getChat(state, chatId);
    if (!chat.members.includes(creatorId)) {
      throw new ApiError(403, 'CMN-401', 'Requestor has no permissions to do this action', 'creatorId');
    }
    const resolvedAttachments: EmulatorAttachment[] = uploads.map((u) =>
      fileAttachment(state, storeFile(state, { ...u, groupId: chatId, creatorId })),
    );
    const post = createPost(state, { chatId, creatorId, text: body.text, resolvedAttachments });
    ctx.status = 201;
    ctx.body = postView(post);
  });

  router.get('/chats/:chatId/posts', (ctx) => {
    const chat = getChat(state, ctx.params.chatId as string);
    ctx.body = {
      records: chatPosts(state, chat.id).map((post) => {
        const view = postView(post);
        const card = post.cardId !== undefined ? state.cards.get(post.cardId) : undefined;
        if (card) view.card = cardView(card);
        return view;
      }),
    };
  });

  router.post('/guests', jsonBody, (ctx) => {
    const { firstName, lastName, email } = bodyObject(ctx);
    if (typeof firstName !== 'string' || typeof lastName !== 'string' || typeof email !== 'string') {
      throw invalidParameter('firstName');
    }
    ctx.status = 201;
    ctx.body = addGuest(state, { firstName, lastName, email });
  });

  router.post('/subscriptions/:id/blacklist', jsonBody, (ctx) => {
    const sub = state.subscriptions.get(ctx.params.id as string);
    if (!sub) throw new ApiError(404, 'CMN-120', 'Invalid URI');
    const reason = bodyObject(ctx).reason;
    blacklistSubscription(state, sub, typeof reason === 'string' ? reason : 'Blacklisted by the emulator control API');
    ctx.body = subscriptionView(state, sub);
  });

  router.post('/websocket/drop', jsonBody, (ctx) => {
    const recover = bodyObject(ctx).recover !== false;
    ctx.body = { dropped: subscriptionRuntime(state).dropSockets?.(recover) ?? 0 };
  });

  router.post('/adaptive-cards/:cardId/submit', jsonBody, async (ctx) => {
    const body = bodyObject(ctx);
    const extensionId = typeof body.extensionId === 'number' ? String(body.extensionId) : body.extensionId;
    if (typeof extensionId !== 'string') throw invalidParameter('extensionId');
    if (typeof body.url !== 'string') throw invalidParameter('url');
    if (body.data !== undefined && (typeof body.data !== 'object' || body.data === null || Array.isArray(body.data))) throw invalidParameter('data');
    if (body.sharedSecret !== undefined && typeof body.sharedSecret !== 'string') throw invalidParameter('sharedSecret');
    if (body.signatureFormat !== undefined && body.signatureFormat !== 'prefixed' && body.signatureFormat !== 'bare') {
      throw invalidParameter('signatureFormat');
    }
    ctx.body = await submitAdaptiveCard(state, ctx.params.cardId as string, {
      extensionId,
      url: body.url,
      ...(body.data !== undefined ? { data: body.data as Record<string, unknown> } : {}),
      ...(body.sharedSecret !== undefined ? { sharedSecret: body.sharedSecret as string } : {}),
      ...(body.signatureFormat !== undefined ? { signatureFormat: body.signatureFormat as 'prefixed' | 'bare' } : {}),
    });
  });

  return router;
}
