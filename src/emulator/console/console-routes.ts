/**
 * The web console: a small Team Messaging look-alike at the emulator's root URL, and the JSON
 * API behind it under `/_emulator/console/api` (a control path: no token, not recorded, never
 * faulted). People act through the same store functions the REST API uses, so the bot sees
 * every post, file and card click exactly as it would from RingCentral.
 *
 * - `GET /` → the page; `GET /_emulator/console/assets/:name` and `…/assets/vendor/:name` → files;
 *   `GET /favicon.ico` → the console's icon (SVG), for the emulator's other pages too
 * - `GET  api/people` → `{records: ConsolePerson[]}`; `GET api/people/:id/photo` → the 195x195 profile image
 * - `GET  api/chats?as=:personId` → `{records}` that person's chats with unread counts
 * - `POST api/chats` `{as, members[], name?}` → 201 chat: one other person → their Direct chat, more → a new Group
 * - `GET  api/chats/:chatId/posts?as=:personId` → `{records}` (marks them read for that person)
 * - `POST api/chats/:chatId/files?as=&name=` raw bytes (Content-Type = the file's) → 201 `{id}`
 * - `POST api/chats/:chatId/posts` `{as, text, attachments?: [{id, type:'File'}]}` → 201 post
 * - `POST api/cards/:cardId/submit` `{as, data}` → the app's answer (CardSubmitResult)
 * - `GET  api/events` → server-sent events (console-events.ts)
 * Errors: RingCentral's error body (ApiError).
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { EmulatorState } from '../emulator-state.ts';
import { submitAdaptiveCard } from '../messaging/adaptive-card-submit.ts';
import { ApiError, apiErrors } from '../api-error.ts';
import { createChat, getChatAsMember, invalidParameter, openConversation } from '../messaging/chat-store.ts';
import { createPost, postView } from '../messaging/post-store.ts';
import { personExists } from '../messaging/person-store.ts';
import { storeFile } from '../messaging/file-store.ts';
import { bodyObject, jsonBody } from '../request-helpers.ts';
import { ASSETS_PREFIX, consoleAsset } from './console-assets.ts';
import { streamConsoleEvents } from './console-events.ts';
import { CONSOLE_API, consoleChats, consolePeople, consolePosts, markRead } from './console-views.ts';
import { interactiveMessagesOf } from './interactive-messages.ts';

/** Largest file the console uploads, bytes (RingCentral's file limit for a post is far larger; the bot takes 25 MB). */
const MAX_FILE_BYTES = 30 * 1024 * 1024;

function personParam(state: EmulatorState, value: unknown, name = 'as'): string {
  const id = typeof value === 'number' ? String(value) : value;
  if (typeof id !== 'string' || !personExists(state, id)) throw invalidParameter(name);
  return id;
}

function sendAsset(ctx: Context, name: string): void {
  const asset = consoleAsset(name);
  if (!asset) return;
  ctx.type = asset.type;
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = asset.bytes;
}

/** Builds the console's router (page, assets, JSON API, events) for one emulator. */
export function consoleRouter(state: EmulatorState): Router {
  const router = new Router();
  router.get('/', (ctx) => sendAsset(ctx, 'index.html'));
  router.get('/favicon.ico', (ctx) => sendAsset(ctx, 'favicon.svg'));
  router.get(`${ASSETS_PREFIX}/vendor/:name`, (ctx) => sendAsset(ctx, `vendor/${ctx.params.name}`));
  router.get(`${ASSETS_PREFIX}/:name`, (ctx) => sendAsset(ctx, ctx.params.name!));

  const api = new Router({ prefix: CONSOLE_API });
  api.use(apiErrors());
  api.get('/events', (ctx) => streamConsoleEvents(ctx, state));
  api.get('/people', (ctx) => {
    ctx.body = { records: consolePeople(state) };
  });
  api.get('/people/:id/photo', (ctx) => {
    const image = state.extensions.get(ctx.params.id!)?.profileImage;
    if (!image) throw new ApiError(404, 'ACT-333', 'Profile image is not found');
    const scale = ctx.query.scale === 'original' ? undefined : image.scales.get('195x195');
    ctx.type = scale && image.contentType === 'image/gif' ? 'image/png' : image.contentType;
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.body = scale ?? image.original;
  });
  api.get('/chats', (ctx) => {
    ctx.body = { records: consoleChats(state, personParam(state, ctx.query.as)) };
  });
  api.post('/chats', jsonBody, (ctx) => {
    const body = bodyObject(ctx);
    const me = personParam(state, body.as);
    if (!Array.isArray(body.members) || body.members.length === 0) throw invalidParameter('members');
    const others = [...new Set(body.members.map(String))].filter((m) => m !== me);
    for (const m of others) personParam(state, m, 'members');
    const name = typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim() : undefined;
    const chat =
      others.length === 1 && !name
        ? openConversation(state, me, others).chat
        : createChat(state, { type: 'Group', members: [me, ...others], ...(name ? { name } : {}) });
    ctx.status = 201;
    ctx.body = { id: chat.id, type: chat.type };
  });
  api.get('/chats/:chatId/posts', (ctx) => {
    const me = personParam(state, ctx.query.as);
    const chat = getChatAsMember(state, ctx.params.chatId!, me);
    ctx.body = { records: consolePosts(state, chat.id) };
    markRead(state, me, chat.id);
  });
  api.post('/chats/:chatId/files', async (ctx) => {
    const me = personParam(state, ctx.query.as);
    const chat = getChatAsMember(state, ctx.params.chatId!, me);
    const bytes = await getRawBody(ctx.req, { limit: MAX_FILE_BYTES });
    const name = typeof ctx.query.name === 'string' ? ctx.query.name : undefined;
    const file = storeFile(state, { bytes, creatorId: me, groupId: chat.id, contentType: ctx.get('Content-Type') || 'application/octet-stream', ...(name ? { name } : {}) });
    ctx.status = 201;
    ctx.body = { id: file.id };
  });
  api.post('/chats/:chatId/posts', jsonBody, (ctx) => {
    const body = bodyObject(ctx);
    const me = personParam(state, body.as);
    const post = createPost(state, { chatId: ctx.params.chatId!, creatorId: me, text: body.text, attachments: body.attachments });
    markRead(state, me, post.groupId);
    ctx.status = 201;
    ctx.body = postView(post);
  });
  api.post('/cards/:cardId/submit', jsonBody, async (ctx) => {
    const body = bodyObject(ctx);
    const me = personParam(state, body.as);
    const app = interactiveMessagesOf(state);
    if (!app) throw new ApiError(409, 'CMN-409', 'No app has registered an interactive-messages URL');
    const data = body.data && typeof body.data === 'object' && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : {};
    ctx.body = await submitAdaptiveCard(state, ctx.params.cardId!, {
      extensionId: me,
      url: app.url,
      data,
      ...(app.sharedSecret !== undefined ? { sharedSecret: app.sharedSecret } : {}),
    });
  });

  router.use(api.routes(), api.allowedMethods());
  return router;
}
