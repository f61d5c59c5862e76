import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SDK } from '@ringcentral/sdk';
import { Subscriptions } from '@ringcentral/subscriptions';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { addChat, addPerson, call, sdkFor, startEmulator, tokenOf, waitFor, type Person } from './emulator-messaging-world.ts';

/** The @rc-ex/ws extension Subscriptions installs, seen through the fields this test uses. */
interface WsExtension {
  ws?: WebSocket;
  eventEmitter: EventEmitter;
}

function wsExtensionOf(subscriptions: Subscriptions): WsExtension {
  const ext = (subscriptions.rc as unknown as { sdkExtensions: unknown[] }).sdkExtensions.find(
    (e) => typeof e === 'object' && e !== null && (e as WsExtension).eventEmitter instanceof EventEmitter && 'wsToken' in e,
  );
  if (!ext) throw new Error('no WebSocketExtension installed');
  return ext as WsExtension;
}

/** Opens a raw socket with a fresh ws token and collects frames. */
async function rawSocket(emu: Emulator, token: string, query = ''): Promise<{ ws: WebSocket; frames: unknown[][] }> {
  const res = await call(emu, 'POST', '/restapi/oauth/wstoken', undefined, token);
  const ws = new WebSocket(`${res.body.uri}?access_token=${res.body.ws_access_token}${query}`);
  const frames: unknown[][] = [];
  ws.on('error', () => undefined);
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

describe('emulator WebSocket gateway with @ringcentral/subscriptions 5.0.11', () => {
  let emu: Emulator;
  let bot: Person;
  let alice: Person;
  let chat: { id: string };
  let sdk: SDK;
  let subscriptions: Subscriptions;

  async function say(text: string) {
    const res = await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, { creatorId: alice.id, text });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    emu = await startEmulator();
    bot = await addPerson(emu, 'Avatar', 'Bot', 'Bot');
    alice = await addPerson(emu, 'Alice', 'Archer');
    chat = await addChat(emu, 'Group', [bot.id, alice.id]);
    sdk = await sdkFor(emu, bot.id);
  });

  afterAll(async () => {
    // Revoke before closing the emulator (ringcentral-sdk.md §2.4/§5), else the client's recover loop crashes.
    await subscriptions?.rc.revoke();
    await emu.close();
  });

  it('POST /restapi/oauth/wstoken answers {uri, ws_access_token, expires_in}', async () => {
    const res = await sdk.platform().post('/restapi/oauth/wstoken');
    const body = await res.json();
    expect(body.uri).toBe(`${emu.url.replace('http', 'ws')}/ws`);
    expect(body.ws_access_token).toMatch(/^EMU-WS-/);
    expect(body.expires_in).toBe(600);
    expect((await call(emu, 'POST', '/restapi/oauth/wstoken')).status).toBe(401);
  });

  it('registers, receives a post notification, recovers the session after a drop, and re-subscribes when recovery fails', async () => {
    subscriptions = new Subscriptions({ sdk });
    const sub = subscriptions.createSubscription();
    const received: Array<{ subscriptionId: string; event: string; body: { text: string; eventType: string } }> = [];
    sub.on(sub.events.notification, (evt: (typeof received)[number]) => received.push(evt));
    const wsSub = await sub.setEventFilters(['/team-messaging/v1/posts']).register();
    const wse = wsExtensionOf(subscriptions);
    wse.ws?.on('error', () => undefined);
    wse.eventEmitter.on('newWebSocketObject', (ws: WebSocket) => ws.on('error', () => undefined));
    const firstId = wsSub.subscriptionInfo!.id as string;
    expect(wsSub.subscriptionInfo).toMatchObject({ status: 'Active', deliveryMode: { transportType: 'WebSocket' } });

    await say('over the socket');
    const first = await waitFor(() => received[0], 5000, 'first notification');
    expect(first).toMatchObject({ event: '/team-messaging/v1/posts', subscriptionId: firstId, ownerId: bot.id });
    expect(first.body).toMatchObject({ text: 'over the socket', eventType: 'PostAdded' });

    // Drop the socket; the session survives, the client reconnects with &wsc= and gets recoveryState Successful.
    const recovered = new Promise<void>((resolve) => wse.eventEmitter.once('autoRecoverSuccess', () => resolve()));
    const dropped = await call(emu, 'POST', '/_emulator/websocket/drop', {});
    expect(dropped.body.dropped).toBe(1);
    await say('while away');
    await recovered;
    const replayed = await waitFor(() => received.find((e) => e.body.text === 'while away'), 5000, 'buffered notification');
    expect(replayed.subscriptionId).toBe(firstId);
    await say('after recovery');
    await waitFor(() => received.find((e) => e.body.text === 'after recovery'), 5000, 'notification after recovery');

    // Drop and forget the session: recovery fails, the client creates a new subscription over the socket.
    const failed = new Promise<void>((resolve) => wse.eventEmitter.once('autoRecoverFailed', () => resolve()));
    await call(emu, 'POST', '/_emulator/websocket/drop', { recover: false });
    await failed;
    expect(emu.state.subscriptions.has(firstId)).toBe(false);
    await waitFor(() => [...emu.state.subscriptions.values()].some((s) => s.transportType === 'WebSocket'), 5000, 'new subscription');
    await say('new session');
    const fresh = await waitFor(() => received.find((e) => e.body.text === 'new session'), 5000, 'notification on the new session');
    expect(fresh.subscriptionId).not.toBe(firstId);
  }, 20_000);

  it('speaks the frames: ConnectionDetails first, ClientRequest replies, Heartbeat echo, Error for a bad token', async () => {
    const token = await tokenOf(sdk);
    const { ws, frames } = await rawSocket(emu, token);
    const details = await waitFor(() => frames[0], 3000, 'ConnectionDetails');
    expect(details[0]).toMatchObject({ type: 'ConnectionDetails', status: 200, wsc: { token: expect.any(String), sequence: 1 } });
    expect(details[1]).toMatchObject({ recoveryTimeout: 180, recoveryBufferSize: 100 });
    ws.send(JSON.stringify([{ type: 'Heartbeat', messageId: 'hb-1' }]));
    await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'hb-1'), 3000, 'heartbeat');
    ws.send(
      JSON.stringify([
        { type: 'ClientRequest', messageId: 'req-1', method: 'POST', path: '/restapi/v1.0/subscription', headers: {} },
        { deliveryMode: { transportType: 'WebSocket' }, eventFilters: ['/restapi/v1.0/glip/posts'] },
      ]),
    );
    const created = await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'req-1'), 3000, 'create reply');
    expect(created[0]).toMatchObject({ type: 'ClientRequest', status: 200 });
    const id = (created[1] as { id: string }).id;
    ws.send(JSON.stringify([{ type: 'ClientRequest', messageId: 'req-2', method: 'POST', path: '/restapi/v1.0/subscription', headers: {} }, { eventFilters: ['/nope'] }]));
    const bad = await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'req-2'), 3000, 'error reply');
    expect(bad[0]).toMatchObject({ status: 400 });
    expect(bad[1]).toMatchObject({ errorCode: 'SUB-508' });
    await say('raw');
    const note = await waitFor(() => frames.find((f) => (f[0] as { type?: string }).type === 'ServerNotification'), 3000, 'notification');
    expect(note[0]).toMatchObject({ wsc: { sequence: 2 } });
    expect(note[1]).toMatchObject({ subscriptionId: id, event: '/restapi/v1.0/glip/posts' });
    ws.send(JSON.stringify([{ type: 'ClientRequest', messageId: 'req-3', method: 'DELETE', path: `/restapi/v1.0/subscription/${id}`, headers: {} }]));
    const deleted = await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'req-3'), 3000, 'delete reply');
    expect(deleted[0]).toMatchObject({ status: 204 });
    expect(emu.state.subscriptions.has(id)).toBe(false);
    // Other API calls go to the REST routes (see emulator-rest-over-websocket.test.ts); a path that is
    // no REST API (here the control API) is refused.
    ws.send(JSON.stringify([{ type: 'ClientRequest', messageId: 'req-4', method: 'GET', path: '/_emulator/requests', headers: {} }]));
    const unsupported = await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'req-4'), 3000, 'unsupported reply');
    expect(unsupported[0]).toMatchObject({ status: 404 });
    expect(unsupported[1]).toMatchObject({ errorCode: 'CMN-120' });
    const recorded = await call(emu, 'GET', '/_emulator/requests');
    expect(recorded.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ method: 'DELETE', path: `/restapi/v1.0/subscription/${id}`, status: 204, callerExtensionId: bot.id })]),
    );
    ws.close();

    const badSocket = new WebSocket(`${emu.url.replace('http', 'ws')}/ws?access_token=nope`);
    badSocket.on('error', () => undefined);
    const errorFrame = await new Promise<unknown[]>((resolve) => badSocket.once('message', (d) => resolve(JSON.parse(d.toString()))));
    expect(errorFrame[0]).toMatchObject({ type: 'Error' });
    expect(errorFrame[1]).toMatchObject({ errorCode: 'WSG-401' });
  });
});

describe('emulator WebSocket gateway on reset and close', () => {
  it('closes sockets and forgets sessions and subscriptions on POST /_emulator/reset, and on close()', async () => {
    const emu = await startEmulator();
    const person = await addPerson(emu, 'Reset', 'Tester');
    const token = await tokenOf(await sdkFor(emu, person.id));
    const { ws, frames } = await rawSocket(emu, token);
    await waitFor(() => frames[0], 3000, 'ConnectionDetails');
    ws.send(
      JSON.stringify([
        { type: 'ClientRequest', messageId: 'r1', method: 'POST', path: '/restapi/v1.0/subscription', headers: {} },
        { deliveryMode: { transportType: 'WebSocket' }, eventFilters: ['/team-messaging/v1/posts'] },
      ]),
    );
    await waitFor(() => frames.find((f) => (f[0] as { messageId?: string }).messageId === 'r1'), 3000, 'subscription');
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    expect((await call(emu, 'POST', '/_emulator/reset', {})).status).toBeLessThan(300);
    await closed;
    expect(emu.state.subscriptions.size).toBe(0);
    const newcomer = await addPerson(emu, 'After', 'Reset');
    const second = await rawSocket(emu, await tokenOf(await sdkFor(emu, newcomer.id)), `&wsc=${(frames[0]![0] as { wsc: { token: string } }).wsc.token}`);
    const details = await waitFor(() => second.frames[0], 3000, 'ConnectionDetails after reset');
    expect(details[1]).toMatchObject({ recoveryState: 'Failed' });
    const closedOnShutdown = new Promise<void>((resolve) => second.ws.once('close', () => resolve()));
    await emu.close();
    await closedOnShutdown;
  });
});
