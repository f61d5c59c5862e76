/**
 * `GET /_emulator/console/api/events`: server-sent events telling open consoles what changed,
 * so they refetch just that: `{kind:'posts', chatId}`, `{kind:'chats', chatId}`,
 * `{kind:'person', extensionId}` (a profile image or extension changed) or `{kind:'reset'}`.
 * Fed by the emulator's event bus (the same events subscriptions get).
 */
import type { Context } from 'koa';
import type { EmulatorState, PlatformEvent } from '../emulator-state.ts';
import { CHATS_EVENT } from '../messaging/chat-store.ts';
import { POSTS_EVENT } from '../messaging/post-store.ts';

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

/**
 * Answers with an event stream that lives until the browser goes away. Written straight to the
 * socket (`ctx.respond = false`): a browser closing the tab is normal, not an error to log.
 */
export function streamConsoleEvents(ctx: Context, state: EmulatorState): void {
  const res = ctx.res;
  const send = (data: Record<string, unknown>) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const onEvent = (event: PlatformEvent) => {
    const change = consoleChangeOf(event);
    if (change) send(change);
  };
  const onReset = () => send({ kind: 'reset' });
  state.bus.on('event', onEvent);
  state.bus.on('reset', onReset);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const end = () => {
    clearInterval(keepAlive);
    state.bus.off('event', onEvent);
    state.bus.off('reset', onReset);
  };
  res.on('close', end);
  ctx.req.socket.setTimeout(0);
  ctx.respond = false;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write(': connected\n\n');
}
