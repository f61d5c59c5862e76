/**
 * `GET /_emulator/console/api/events`: server-sent events telling open consoles what changed,
 * so they refetch just that: `{kind:'posts', chatId}`, `{kind:'chats', chatId}`,
 * `{kind:'person', extensionId}` (a profile image or extension changed) or `{kind:'reset'}`.
 * Fed by the emulator's event bus (the same events subscriptions get).
 */
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { EmulatorState, PlatformEvent } from '../emulator-state.ts';
import { CHATS_EVENT, POSTS_EVENT } from '../team-messaging-store.ts';

/** Seconds between keep-alive comments (proxies drop silent streams). */
const KEEP_ALIVE_MS = 15_000;

/** What a console is told about one bus event; undefined for events it doesn't show. */
export function consoleChangeOf(event: PlatformEvent): Record<string, unknown> | undefined {
  const body = (event.body ?? {}) as Record<string, unknown>;
  if (event.event === POSTS_EVENT) return { kind: 'posts', chatId: body.groupId };
  if (event.event === CHATS_EVENT) return { kind: 'chats', chatId: body.id };
  const ext = /\/extension\/([^/]+)$/.exec(event.event);
  if (ext) return { kind: 'person', extensionId: ext[1] };
  return undefined;
}

/** Answers with an event stream that lives until the browser goes away. */
export function streamConsoleEvents(ctx: Context, state: EmulatorState): void {
  const stream = new PassThrough();
  const send = (data: Record<string, unknown>) => stream.write(`data: ${JSON.stringify(data)}\n\n`);
  const onEvent = (event: PlatformEvent) => {
    const change = consoleChangeOf(event);
    if (change) send(change);
  };
  const onReset = () => send({ kind: 'reset' });
  state.bus.on('event', onEvent);
  state.bus.on('reset', onReset);
  const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const end = () => {
    clearInterval(keepAlive);
    state.bus.off('event', onEvent);
    state.bus.off('reset', onReset);
    stream.end();
  };
  ctx.req.on('close', end);
  ctx.req.socket.setTimeout(0);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Connection', 'keep-alive');
  ctx.type = 'text/event-stream';
  ctx.status = 200;
  ctx.body = stream;
  stream.write(': connected\n\n');
}
