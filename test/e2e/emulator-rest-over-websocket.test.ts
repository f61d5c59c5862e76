import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import RingCentralModule from '@rc-ex/core';
import RestExceptionModule from '@rc-ex/core/RestException';
import WebSocketExtensionModule from '@rc-ex/ws';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { signJwtCredential } from '../../src/emulator/platform/oauth-tokens.ts';
import { addChat, addPerson, call, startEmulator, type Person } from './emulator-messaging-world.ts';

// The @rc-ex packages ship CommonJS-style typings: TypeScript sees each class as the module's
// `default` member, while the ESM build hands over the class itself.
function classOf<T>(module: { default: T }): T {
  return (module as { default?: T }).default ?? (module as unknown as T);
}
const RingCentral = classOf(RingCentralModule);
type RingCentral = InstanceType<typeof RingCentral>;
const WebSocketExtension = classOf(WebSocketExtensionModule);
type WebSocketExtension = InstanceType<typeof WebSocketExtension>;
const RestException = classOf(RestExceptionModule);
type RestException = InstanceType<typeof RestException>;

/**
 * REST calls inside the WebSocket gateway, driven by RingCentral's own client: @rc-ex/ws with
 * `restOverWebSocket: true` sends every non-OAuth, non-multipart call as a ClientRequest frame on
 * the socket and resolves with the ClientResponse (docs/ringcentral-sdk.md §2.3 step 5).
 */
describe('emulator REST over WebSocket with @rc-ex/ws (restOverWebSocket)', () => {
  let emu: Emulator;
  let bot: Person;
  let alice: Person;
  let rc: RingCentral;
  let wse: WebSocketExtension;
  /** Frames the client sent on the socket (parsed). */
  const sent: unknown[][] = [];
  /** Frames the client received on the socket (parsed). */
  const received: unknown[][] = [];

  const sentRequests = (path: string) =>
    sent.filter((f) => (f[0] as { type?: string; path?: string }).type === 'ClientRequest' && (f[0] as { path?: string }).path === path);
  const replyTo = (frameSent: unknown[]) =>
    received.find((f) => (f[0] as { messageId?: string }).messageId === (frameSent[0] as { messageId: string }).messageId);

  beforeAll(async () => {
    emu = await startEmulator({ rateLimits: true });
    bot = await addPerson(emu, 'Socket', 'Bot', 'Bot');
    alice = await addPerson(emu, 'Alice', 'Archer');
    rc = new RingCentral({ server: emu.url, clientId: emu.state.app.clientId, clientSecret: emu.state.app.clientSecret });
    await rc.authorize({ jwt: await signJwtCredential(emu.state, bot.id) });
    wse = new WebSocketExtension({ restOverWebSocket: true, autoRecover: { enabled: false } });
    await rc.installExtension(wse);
    const ws = wse.ws;
    const send = ws.send.bind(ws);
    ws.send = ((data: string) => {
      sent.push(JSON.parse(data) as unknown[]);
      return send(data);
    }) as typeof ws.send;
    ws.addEventListener('message', (e: { data: unknown }) => received.push(JSON.parse(String(e.data)) as unknown[]));
  });

  afterAll(async () => {
    await rc?.revoke();
    await emu?.close();
  });

  it('answers a read over the socket with the same record, status and headers as HTTP', async () => {
    const before = sentRequests('/restapi/v1.0/account/~/extension/~').length;
    const info = await rc.restapi().account().extension().get();
    expect(info).toMatchObject({ id: Number(bot.id), contact: { firstName: 'Socket', lastName: 'Bot' } });
    const frames = sentRequests('/restapi/v1.0/account/~/extension/~');
    expect(frames.length).toBe(before + 1);
    const frameSent = frames.at(-1)!;
    expect(frameSent[0]).toMatchObject({ method: 'GET', headers: { 'X-User-Agent': expect.stringContaining('ringcentral-extensible/ws') } });
    const reply = replyTo(frameSent)!;
    expect(reply[0]).toMatchObject({
      type: 'ClientRequest',
      status: 200,
      headers: {
        'Content-Type': expect.stringContaining('application/json'),
        RCRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'X-Rate-Limit-Group': 'light',
      },
    });
    const overHttp = await call(emu, 'GET', '/restapi/v1.0/account/~/extension/~', undefined, rc.token!.access_token);
    expect(reply[1]).toEqual(overHttp.body);
  });

  it('creates a Team Messaging post over the socket, with query parameters and a JSON body', async () => {
    const chat = await addChat(emu, 'Group', [bot.id, alice.id]);
    const post = await rc.teamMessaging().v1().chats(chat.id).posts().post({ text: 'sent over the socket' });
    expect(post).toMatchObject({ groupId: chat.id, creatorId: bot.id, text: 'sent over the socket' });
    expect(sentRequests(`/team-messaging/v1/chats/${chat.id}/posts`).at(-1)![1]).toEqual({ text: 'sent over the socket' });
    const stored = await call(emu, 'GET', `/_emulator/chats/${chat.id}/posts`);
    expect(JSON.stringify(stored.body)).toContain('sent over the socket');
    const list = await rc.teamMessaging().v1().chats(chat.id).posts().list({ recordCount: 1 });
    expect(list.records).toHaveLength(1);
    expect(sentRequests(`/team-messaging/v1/chats/${chat.id}/posts`).at(-1)![0]).toMatchObject({ method: 'GET', query: { recordCount: 1 } });
    // The socket's calls are recorded like HTTP ones, with the caller.
    const recorded = await call(emu, 'GET', '/_emulator/requests');
    expect(recorded.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'POST', path: `/team-messaging/v1/chats/${chat.id}/posts`, status: 201, callerExtensionId: bot.id }),
      ]),
    );
  });

  it('rejects with RestException carrying the RingCentral error body and status', async () => {
    const err = await rc
      .restapi()
      .account()
      .extension('999999999')
      .get()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RestException);
    const response = (err as RestException).response;
    expect(response.status).toBe(404);
    expect(response.data).toMatchObject({ errorCode: 'CMN-102', errors: [{ errorCode: 'CMN-102', parameterName: 'extensionId' }] });
    expect(response.headers).toMatchObject({ RCRequestId: expect.any(String) });
  });

  it('keeps serving the socket subscription calls for the session itself', async () => {
    // @rc-ex/core's request model predates the WebSocket transport type; @rc-ex/ws sends it as is.
    const deliveryMode = { transportType: 'WebSocket' } as unknown as { transportType: 'WebHook' };
    const sub = await rc.restapi().subscription().post({ eventFilters: ['/team-messaging/v1/posts'], deliveryMode });
    expect(sub).toMatchObject({ status: 'Active', deliveryMode: { transportType: 'WebSocket' } });
    expect(emu.state.subscriptions.get(sub.id!)?.transportType).toBe('WebSocket');
    await rc.restapi().subscription(sub.id).delete();
    expect(emu.state.subscriptions.has(sub.id!)).toBe(false);
  });
});
