/**
 * WebSocket delivery end to end with @ringcentral/subscriptions against the emulator's gateway:
 * notifications arrive, a dropped socket is recovered (session resumed, or a new subscription
 * when the session is gone), and when the emulator disappears the process neither crashes (an
 * `error` listener on every socket) nor hangs (clean teardown in `close()`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { NotificationEnvelope, RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import { control, installBot, platformFor, startEmulator, startReceiver, view, waitFor, type Receiver } from './platform-e2e-kit.ts';
import type { recordingLogger } from '../unit/platform/platform-fakes.ts';

describe('WebSocket event delivery against the emulator', () => {
  let emu: Emulator;
  let emulatorClosed = false;
  let receiver: Receiver;
  let platform: RingCentralPlatform;
  let logger: ReturnType<typeof recordingLogger>;
  const received: NotificationEnvelope[] = [];
  let chatId = '';
  let personId = '';

  beforeAll(async () => {
    emu = await startEmulator();
    receiver = await startReceiver();
    const made = await platformFor(emu, { subscriptionRetryBaseMs: 200, subscriptionRetryMaxMs: 1000, webSocketStaleAfterMs: 3000 });
    platform = made.platform;
    logger = made.logger;
    const botId = (await platform.installBotToken(await installBot(emu, receiver))).extensionId;
    personId = made.state.users[0]!.id;
    chatId = (await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'WebSocket test', members: [botId, personId] })).id;
    await platform.startEventDelivery({ verificationToken: 'unused-in-websocket-mode', onNotification: (n) => void received.push(n) });
  });
  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
    if (!emulatorClosed) await emu?.close();
  });

  async function postAndReceive(text: string) {
    await control(emu, `/chats/${chatId}/posts`, { creatorId: personId, text });
    return waitFor(() => received.find((n) => (n.body as { text?: string }).text === text), 8000, `notification "${text}"`);
  }

  it('registers over the WebSocket and receives post notifications', async () => {
    expect(platform.eventDeliveryStatus()).toMatchObject({ mode: 'websocket', state: 'active' });
    const n = await postAndReceive('hello over websocket');
    expect(n.event).toBe('/team-messaging/v1/posts');
    expect(n.subscriptionId).toBe(platform.eventDeliveryStatus().subscriptionId);
  });

  it('recovers the session after a dropped socket', async () => {
    const before = platform.eventDeliveryStatus().subscriptionId;
    const { dropped } = await control<{ dropped: number }>(emu, '/websocket/drop', { recover: true });
    expect(dropped).toBe(1);
    await waitFor(() => logger.lines.some((l) => l.msg === 'WebSocket session recovered'), 10_000, 'recovery');
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: before });
    await postAndReceive('after a drop');
  }, 20_000);

  it('gets a new subscription when the session can’t be resumed', async () => {
    const before = platform.eventDeliveryStatus().subscriptionId;
    await control(emu, '/websocket/drop', { recover: false });
    await waitFor(() => platform.eventDeliveryStatus().state === 'active' && platform.eventDeliveryStatus().subscriptionId !== before, 10_000, 'a new subscription');
    await postAndReceive('after a lost session');
  }, 20_000);

  it('registers afresh when the library’s own recovery keeps failing (its cached ws token expired)', async () => {
    const { platform: third, logger: log } = await platformFor(emu, { webSocketMaxRecoverErrors: 1, subscriptionRetryBaseMs: 200 });
    await third.installBotToken(await installBot(emu, receiver));
    const got: NotificationEnvelope[] = [];
    await third.startEventDelivery({ verificationToken: 'x', onNotification: (n) => void got.push(n) });
    const before = third.eventDeliveryStatus().subscriptionId;
    // The gateway's ws_access_token lives 600 s on the emulator clock; the library caches it by
    // the real clock, so after a drop it keeps presenting the expired one (WSG-401).
    await control(emu, '/clock', { advanceMs: 11 * 60_000 });
    await control(emu, '/websocket/drop', { recover: true });
    await waitFor(() => log.lines.some((l) => l.msg === 'WebSocket recovery attempt failed'), 10_000, 'a failed recovery');
    await waitFor(() => third.eventDeliveryStatus().state === 'active' && third.eventDeliveryStatus().subscriptionId !== before, 10_000, 'a fresh registration');
    expect(log.lines.some((l) => l.msg === 'registering the WebSocket subscription again')).toBe(true);
    await control(emu, `/chats/${chatId}/posts`, { creatorId: personId, text: 'after re-registering' });
    await waitFor(() => got.find((n) => (n.body as { text?: string }).text === 'after re-registering'), 8000, 'the notification');
    await third.close();
  }, 20_000);

  it('close() revokes the subscription over the socket and stops (a second platform)', async () => {
    const { platform: second } = await platformFor(emu);
    const token = await installBot(emu, receiver);
    await second.installBotToken(token);
    await second.startEventDelivery({ verificationToken: 'x', onNotification: () => undefined });
    const id = second.eventDeliveryStatus().subscriptionId;
    expect(id).toBeTruthy();
    const listed = async () => (await view(emu)).subscriptions.filter((s) => s.id === id);
    expect(await listed()).toHaveLength(1);
    await second.close();
    expect(second.eventDeliveryStatus().state).toBe('stopped');
    expect(await listed()).toEqual([]);
    await second.close(); // safe twice
  }, 20_000);

  it('survives the gateway going away (no unhandled socket error) and shows it', async () => {
    await emu.close();
    emulatorClosed = true;
    await waitFor(() => platform.eventDeliveryStatus().state !== 'active', 10_000, 'a non-active state');
    // Reconnect attempts hit a closed port (ECONNREFUSED) and must be logged, not thrown.
    await waitFor(() => logger.lines.some((l) => /WebSocket (error|recovery attempt failed|registration failed)/.test(l.msg ?? '')), 10_000, 'a logged reconnect failure');
    expect(['repairing', 'failed']).toContain(platform.eventDeliveryStatus().state);
    await platform.close();
    expect(platform.eventDeliveryStatus().state).toBe('stopped');
  }, 20_000);
});
