import type { Context } from 'koa';
import { Router } from '@koa/router';
import type { ChatType } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { cardShortView, cardView, createCard, deleteCard, getCardFor, updateCard } from './card-store.ts';
import { chatView, getChatAsMember, invalidParameter, legacyGroupView, openConversation } from './chat-store.ts';
import { createPost, deletePost, getPostAsMember, postView, chatPosts, updatePostText } from './post-store.ts';
import { personView } from './person-store.ts';
import { bodyObject, callerOf, jsonBody, paginate, queryValues } from '../request-helpers.ts';
import { ApiError } from '../api-error.ts';

const CHAT_TYPES: ChatType[] = ['Personal', 'Direct', 'Group', 'Team', 'Everyone'];

/**
 * Team Messaging routes, current (`/team-messaging/v1`, SPEC; docs/ringcentral-notes.md §2.4) and legacy
 * (`/restapi/v1.0/glip`, SPEC46; §2.5). Every route needs a caller (Bearer token) and answers
 * only about chats the caller is a member of. Files are in files-routes.ts.
 */
export function teamMessagingRouter(state: EmulatorState): Router {
  const router = new Router();

  for (const base of ['/team-messaging/v1', '/restapi/v1.0/glip']) {
    const legacy = base !== '/team-messaging/v1';

    router.get(`${base}/chats`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const types = queryValues(ctx, 'type');
      if (types.some((t) => !CHAT_TYPES.includes(t as ChatType))) throw invalidParameter('type');
      const chats = [...state.chats.values()].filter(
        (c) => c.members.includes(me) && (types.length === 0 || types.includes(c.type)),
      );
      const page = paginate(ctx, chats);
      ctx.body = { records: page.records.map(chatView), navigation: page.navigation };
    });

    router.get(`${base}/chats/:chatId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      ctx.body = chatView(getChatAsMember(state, ctx.params.chatId as string, me));
    });

    // Conversations are the caller's Direct, Personal and Group chats (SPEC TMConversationInfo types).
    const conversationView = (chat: { id: string; type: string; creationTime: string; lastModifiedTime: string; members: string[] }) => ({
      id: chat.id,
      type: chat.type,
      creationTime: chat.creationTime,
      lastModifiedTime: chat.lastModifiedTime,
      members: chat.members.map((id) => ({ id })),
    });
    const CONVERSATION_TYPES: ChatType[] = ['Direct', 'Personal', 'Group'];

    router.get(`${base}/conversations`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const chats = [...state.chats.values()].filter((c) => c.members.includes(me) && CONVERSATION_TYPES.includes(c.type));
      const page = paginate(ctx, chats);
      ctx.body = { records: page.records.map(conversationView), navigation: page.navigation };
    });

    router.get(`${base}/conversations/:chatId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const chat = getChatAsMember(state, ctx.params.chatId as string, me);
      if (!CONVERSATION_TYPES.includes(chat.type)) {
        throw new ApiError(404, 'CMN-102', 'Resource for parameter [chatId] is not found.', 'chatId');
      }
      ctx.body = conversationView(chat);
    });

    router.post(`${base}/conversations`, jsonBody, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const { members } = bodyObject(ctx);
      if (members !== undefined && (!Array.isArray(members) || members.length > 15)) throw invalidParameter('members');
      const ids = ((members as unknown[] | undefined) ?? []).map((m) => resolveMember(state, m));
      const { chat, created } = openConversation(state, me, ids);
      ctx.status = created ? 201 : 200;
      ctx.body = conversationView(chat);
    });

    router.get(`${base}/chats/:chatId/posts`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const chat = getChatAsMember(state, ctx.params.chatId as string, me);
      // Newest first, as Team Messaging clients page backwards through history.
      const posts = chatPosts(state, chat.id).reverse();
      const page = paginate(ctx, posts);
      ctx.body = { records: page.records.map(postView), navigation: page.navigation };
    });

    const createPostHandler = (status: number) => (ctx: Context & { params: Record<string, string> }) => {
      const me = callerOf(ctx, state).extensionId;
      const body = bodyObject(ctx);
      const post = createPost(state, {
        chatId: ctx.params.chatId as string,
        creatorId: me,
        text: body.text,
        attachments: body.attachments,
      });
      ctx.status = status;
      ctx.body = postView(post);
    };
    router.post(`${base}/chats/:chatId/posts`, jsonBody, createPostHandler(201));

    router.get(`${base}/chats/:chatId/posts/:postId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      ctx.body = postView(getPostAsMember(state, ctx.params.chatId as string, ctx.params.postId as string, me));
    });

    router.patch(`${base}/chats/:chatId/posts/:postId`, jsonBody, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const post = updatePostText(state, ctx.params.chatId as string, ctx.params.postId as string, me, bodyObject(ctx).text);
      ctx.body = postView(post);
    });

    router.delete(`${base}/chats/:chatId/posts/:postId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      deletePost(state, ctx.params.chatId as string, ctx.params.postId as string, me);
      ctx.status = 204;
    });

    router.get(`${base}/persons/:personId`, (ctx) => {
      callerOf(ctx, state);
      const person = personView(state, ctx.params.personId as string);
      if (!person) {
        // SPEC46 lists 400 OAU-232 for the legacy path; SPEC lists 404 "Person Not Found" for the current one.
        if (legacy) throw new ApiError(400, 'OAU-232', 'Extension not found');
        throw new ApiError(404, 'CMN-102', 'Person Not Found', 'personId');
      }
      ctx.body = person;
    });

    router.post(`${base}/chats/:chatId/adaptive-cards`, jsonBody, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const card = createCard(state, ctx.params.chatId as string, me, (ctx.request as { body?: unknown }).body);
      ctx.status = 201;
      ctx.body = cardShortView(card);
    });

    router.get(`${base}/adaptive-cards/:cardId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      ctx.body = cardView(getCardFor(state, ctx.params.cardId as string, me));
    });

    router.put(`${base}/adaptive-cards/:cardId`, jsonBody, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      ctx.body = cardShortView(updateCard(state, ctx.params.cardId as string, me, (ctx.request as { body?: unknown }).body));
    });

    router.delete(`${base}/adaptive-cards/:cardId`, (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      deleteCard(state, ctx.params.cardId as string, me);
      ctx.status = 204;
    });

    if (legacy) {
      // Legacy group routes the official bot framework calls (docs/ringcentral-notes.md §2.5).
      router.get(`${base}/groups/:groupId`, (ctx) => {
        const me = callerOf(ctx, state).extensionId;
        ctx.body = legacyGroupView(getChatAsMember(state, ctx.params.groupId as string, me));
      });
      router.post(`${base}/groups/:groupId/posts`, jsonBody, (ctx) => {
        ctx.params.chatId = ctx.params.groupId as string;
        createPostHandler(200)(ctx);
      });
      router.get(`${base}/groups/:groupId/posts`, (ctx) => {
        const me = callerOf(ctx, state).extensionId;
        const chat = getChatAsMember(state, ctx.params.groupId as string, me);
        const page = paginate(ctx, chatPosts(state, chat.id).reverse());
        ctx.body = { records: page.records.map(postView), navigation: page.navigation };
      });
    }
  }
  return router;
}

function resolveMember(state: EmulatorState, member: unknown): string {
  if (typeof member === 'object' && member !== null) {
    const m = member as { id?: unknown; email?: unknown };
    if (typeof m.id === 'string' || typeof m.id === 'number') {
      const id = String(m.id);
      if (state.extensions.has(id) || state.guests.has(id)) return id;
    } else if (typeof m.email === 'string') {
      const email = m.email.toLowerCase();
      for (const ext of state.extensions.values()) if (ext.email.toLowerCase() === email) return ext.id;
      for (const g of state.guests.values()) if (g.email.toLowerCase() === email) return g.id;
    }
  }
  throw invalidParameter('members');
}
