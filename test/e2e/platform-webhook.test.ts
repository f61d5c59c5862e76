/**
 * WebHook delivery end to end: the emulator validates a real koa receiver (Validation-Token
 * echo), delivers posts with our Verification-Token, and the platform repairs the subscription
 * after it is Blacklisted and after the emulator clock passes its expiry, and renews it in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import { control, installBot, platformFor, startEmulator, startReceiver, view, waitFor, type Receiver } from './platform-e2e-kit.ts';

describe('WebHook event delivery against the emulator', () => {
  let emu: Emulator;
  let receiver: Receiver;
  let platform: ReturnType<typeof createRingCentralPlatform>;
  let chatId = '';
  let personId = '';
  const address = () => `${receiver.url}/webhook`;

  beforeAll(async () => {
    emu = await startEmulator();
    receiver = await startReceiver('verify-me-123');
    const made = await platformFor(emu, { subscriptionExpiresInS: 3600, subscriptionRenewThresholdS: 1200, subscriptionRetryBaseMs: 50 });
    platform = made.platform as ReturnType<typeof createRingCentralPlatform>;
    const botId = (await platform.installBotToken(await installBot(emu, receiver))).extensionId;
    personId = made.state.users[0]!.id;
    chatId = (await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'Webhook test', members: [botId, personId] })).id;
    await platform.startEventDelivery({ publicUrl: receiver.url, verificationToken: receiver.verificationToken, onNotification: () => undefined });
  });
  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
    await emu?.close();
  });

  async function ours() {
    return (await view(emu)).subscriptions.filter((s) => s.transportType === 'WebHook' && s.address === address());
  }

  async function postAndReceive(text: string) {
    await control(emu, `/chats/${chatId}/posts`, { creatorId: personId, text });
    return waitFor(() => receiver.notifications.find((n) => n.event === '/team-messaging/v1/posts' && (n.body as { text?: string }).text === text), 8000, `delivery of "${text}"`);
  }

  it('creates the subscription after the Validation-Token handshake; deliveries carry our Verification-Token', async () => {
    const status = platform.eventDeliveryStatus();
    expect(status).toMatchObject({ mode: 'webhook', state: 'active' });
    expect(receiver.handshakes).toBeGreaterThanOrEqual(1);
    const subs = await ours();
    expect(subs.map((s) => s.id)).toEqual([status.subscriptionId]);
    const n = await postAndReceive('hello bot');
    expect(n.subscriptionId).toBe(status.subscriptionId);
    expect(receiver.refused).toBe(0);
    // A check of a healthy subscription changes nothing (its filters, normalised by the server, match ours).
    await platform.checkSubscription();
    const calls = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as Array<{ method: string; path: string }> | { records: Array<{ method: string; path: string }> };
    const list = Array.isArray(calls) ? calls : calls.records;
    expect(list.filter((r) => r.path.startsWith('/restapi/v1.0/subscription') && r.method !== 'GET').map((r) => r.method)).toEqual(['POST']);
    expect(platform.eventDeliveryStatus().subscriptionId).toBe(status.subscriptionId);
  });

  it('repairs a Blacklisted subscription: deletes it and creates a fresh one', async () => {
    const old = platform.eventDeliveryStatus().subscriptionId!;
    await control(emu, `/subscriptions/${old}/blacklist`, { reason: 'test' });
    await platform.checkSubscription();
    const status = platform.eventDeliveryStatus();
    expect(status.state).toBe('active');
    expect(status.subscriptionId).not.toBe(old);
    const subs = await ours();
    expect(subs.map((s) => [s.id, s.status])).toEqual([[status.subscriptionId, 'Active']]);
    await postAndReceive('after blacklist');
  });

  it('renews before expiry, prompted by the emulator’s renewal reminder', async () => {
    const before = platform.eventDeliveryStatus();
    await control(emu, '/clock', { advanceMs: 3000_000 }); // 600 s left < 1200 s threshold
    const reminder = await waitFor(
      () => receiver.notifications.find((n) => n.event.startsWith('/restapi/v1.0/subscription') && n.subscriptionId === before.subscriptionId),
      8000,
      'a renewal reminder',
    );
    expect(platform.handleNotification(reminder)).toBe(true); // starts the check
    await platform.checkSubscription(); // joins it
    const after = platform.eventDeliveryStatus();
    expect(after.subscriptionId).toBe(before.subscriptionId);
    expect(Date.parse(after.expiresAt!)).toBeGreaterThan(Date.parse(before.expiresAt!));
  });

  it('replaces a subscription that expired on the emulator clock', async () => {
    const old = platform.eventDeliveryStatus().subscriptionId!;
    const { now } = await control<{ now: string }>(emu, '/clock', { advanceMs: 2 * 3600_000 });
    const live = async () => (await ours()).filter((s) => Date.parse(s.expirationTime) > Date.parse(now));
    expect(await live()).toEqual([]);
    await platform.checkSubscription();
    const status = platform.eventDeliveryStatus();
    expect(status.state).toBe('active');
    expect(status.subscriptionId).not.toBe(old);
    expect((await live()).map((s) => s.id)).toEqual([status.subscriptionId]);
    await postAndReceive('after expiry');
  });
});
