/**
 * The WebHook subscription keeper against nock: exactly one Active subscription for our address,
 * `expiresIn` at the top level, stale ones deleted, renewal, SUB-406 retried with backoff.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRingCentralPlatform } from '../../../src/platform/create-ringcentral-platform.ts';
import { filtersCover } from '../../../src/platform/webhook-subscription.ts';
import { SERVER, lockDownNetwork, memoryVault, mockBotInstall, recordingLogger } from './platform-test-kit.ts';

const ADDRESS = 'https://bot.example.com/webhook';
const NOW = Date.parse('2026-03-02T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const dateHeader = { Date: new Date(NOW).toUTCString(), 'Content-Type': 'application/json' };

/** Filters as RingCentral returns them: `~` replaced by the account and bot ids. */
const SERVER_FILTERS = ['/team-messaging/v1/posts', '/team-messaging/v1/chats', '/restapi/v1.0/account/37439510/extension/9001', '/restapi/v1.0/subscription/~?threshold=86400&interval=21600'];

function sub(id: string, status: string, expiresAt: number, address = ADDRESS, eventFilters = SERVER_FILTERS) {
  return { id, uri: `${SERVER}/restapi/v1.0/subscription/${id}`, status, eventFilters, creationTime: iso(NOW - 1000), expirationTime: iso(expiresAt), deliveryMode: { transportType: 'WebHook', address, encryption: false } };
}

async function setup(options: { retryBaseMs?: number } = {}) {
  const platform = createRingCentralPlatform({
    serverUrl: SERVER,
    clientId: 'client-id',
    clientSecret: 'client-secret',
    vault: memoryVault(),
    logger: recordingLogger(),
    clock: () => NOW,
    subscriptionRetryBaseMs: options.retryBaseMs ?? 10,
    subscriptionRetryMaxMs: 50,
    subscriptionRenewThresholdS: 86_400,
  });
  const install = mockBotInstall();
  await platform.installBotToken('BOT-TOKEN');
  install.done();
  return platform;
}

beforeAll(lockDownNetwork);
afterEach(() => nock.cleanAll());

describe('one keeper across instances', () => {
  it('an instance without the keeper lease reads the state and changes nothing; the keeper repairs a Blacklisted one and reports the gap', async () => {
    const reader = await setup();
    const gaps: string[] = [];
    const readScope = nock(SERVER).get('/restapi/v1.0/subscription').reply(200, { records: [sub('bl-1', 'Blacklisted', NOW + 1e9)] }, dateHeader);
    // No DELETE or POST is mocked: the network lock-down would fail the check if the reader tried.
    await reader.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined, mayKeepSubscription: async () => false, onDeliveryGap: (r) => gaps.push(r) });
    readScope.done();
    const seen = reader.eventDeliveryStatus();
    expect(seen).toMatchObject({ state: 'repairing', keeper: false, platformStatus: 'Blacklisted', platformCheckedAt: iso(NOW) });
    expect(gaps).toEqual(['blacklisted']);
    await reader.close();

    const keeper = await setup();
    const keeperGaps: string[] = [];
    const keepScope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('bl-1', 'Blacklisted', NOW + 1e9)] }, dateHeader)
      .delete('/restapi/v1.0/subscription/bl-1')
      .reply(204)
      .post('/restapi/v1.0/subscription')
      .reply(200, sub('new-2', 'Active', NOW + 1e9));
    await keeper.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined, mayKeepSubscription: async () => true, onDeliveryGap: (r) => keeperGaps.push(r) });
    keepScope.done();
    expect(keeper.eventDeliveryStatus()).toMatchObject({ state: 'active', keeper: true, subscriptionId: 'new-2', platformStatus: 'Active' });
    expect(keeperGaps).toEqual(['blacklisted', 'start']);
    await keeper.close();
  });
});

describe('a changed PUBLIC_URL', () => {
  it('deletes the subscription we made at the former address, and leaves unknown ones at other addresses alone', async () => {
    const platform = await setup();
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('ours-before', 'Active', NOW + 1e10, 'https://old.example.com/webhook'), sub('someone-else', 'Active', NOW + 1e10, 'https://other.example.com/webhook')] }, dateHeader)
      .delete('/restapi/v1.0/subscription/ours-before')
      .reply(204)
      .post('/restapi/v1.0/subscription')
      .reply(200, sub('ours-now', 'Active', NOW + 1e10));
    // The network lock-down fails the check on any call not mocked (a DELETE of someone-else).
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined, isFormerSubscription: (id) => id === 'ours-before' });
    scope.done();
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: 'ours-now' });
    await platform.close();
  });
});

describe('WebHook subscription lifecycle', () => {
  it('creates one with expiresIn at the top level, the verification token and the bot’s event filters', async () => {
    const platform = await setup();
    let created: Record<string, unknown> | undefined;
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('other', 'Active', NOW + 1e9, 'https://someone-else.example/hook')] }, dateHeader)
      .post('/restapi/v1.0/subscription', (body: Record<string, unknown>) => {
        created = body;
        return true;
      })
      .reply(200, sub('new-1', 'Active', NOW + 315_360_000_000));
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com/', verificationToken: 'VT-123', onNotification: () => undefined });
    scope.done();
    expect(created).toEqual({
      eventFilters: ['/team-messaging/v1/posts', '/team-messaging/v1/chats', '/restapi/v1.0/account/~/extension/~', '/restapi/v1.0/subscription/~?threshold=86400&interval=21600'],
      expiresIn: 315_360_000,
      deliveryMode: { transportType: 'WebHook', address: ADDRESS, verificationToken: 'VT-123' },
    });
    expect((created?.deliveryMode as Record<string, unknown>).expiresIn).toBeUndefined();
    expect(platform.eventDeliveryStatus()).toEqual({ mode: 'webhook', state: 'active', subscriptionId: 'new-1', expiresAt: iso(NOW + 315_360_000_000), keeper: true, platformStatus: 'Active', platformCheckedAt: iso(NOW) });
    await platform.close();
    expect(platform.eventDeliveryStatus().state).toBe('stopped');
  });

  it('keeps the longest-lived Active one and deletes duplicates, Blacklisted and expired ones', async () => {
    const platform = await setup();
    const deleted: string[] = [];
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('dup', 'Active', NOW + 10 * 86_400_000), sub('keep', 'Active', NOW + 20 * 86_400_000), sub('black', 'Blacklisted', NOW + 30 * 86_400_000), sub('old', 'Active', NOW - 1000)] }, dateHeader)
      .delete(/\/restapi\/v1\.0\/subscription\/(dup|black|old)$/)
      .times(3)
      .reply(function () {
        deleted.push(this.req.path.split('/').pop() ?? '');
        return [204, ''];
      });
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    scope.done();
    expect(deleted.sort()).toEqual(['black', 'dup', 'old']);
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: 'keep' });
    await platform.close();
  });

  it('renews the subscription when it expires within the threshold', async () => {
    const platform = await setup();
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('s1', 'Active', NOW + 3_600_000)] }, dateHeader)
      .post('/restapi/v1.0/subscription/s1/renew')
      .reply(200, sub('s1', 'Active', NOW + 7 * 86_400_000));
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    scope.done();
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: 's1', expiresAt: iso(NOW + 7 * 86_400_000) });
    await platform.close();
  });

  it('a renewal reminder triggers a check that repairs a vanished subscription', async () => {
    const platform = await setup();
    const first = nock(SERVER).get('/restapi/v1.0/subscription').reply(200, { records: [sub('s1', 'Active', NOW + 1e10)] }, dateHeader);
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    first.done();
    const second = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [] }, dateHeader)
      .post('/restapi/v1.0/subscription')
      .reply(200, sub('s2', 'Active', NOW + 1e10));
    const consumed = platform.handleNotification({ uuid: 'r1', event: '/restapi/v1.0/subscription/s1?threshold=86400&interval=21600', timestamp: iso(NOW), subscriptionId: 's1', body: { expirationTime: iso(NOW + 1000) } });
    expect(consumed).toBe(true);
    await platform.checkSubscription(); // joins the check the reminder started
    second.done();
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: 's2' });
    await platform.close();
  });

  it('updates a kept subscription whose event filters are out of date (PUT, which also renews)', async () => {
    const platform = await setup();
    let put: unknown;
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .reply(200, { records: [sub('legacy', 'Active', NOW + 1e10, ADDRESS, ['/restapi/v1.0/glip/posts', '/restapi/v1.0/glip/groups'])] }, dateHeader)
      .put('/restapi/v1.0/subscription/legacy', (body: unknown) => {
        put = body;
        return true;
      })
      .reply(200, sub('legacy', 'Active', NOW + 2e10));
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    scope.done();
    expect(put).toEqual({
      eventFilters: ['/team-messaging/v1/posts', '/team-messaging/v1/chats', '/restapi/v1.0/account/~/extension/~', '/restapi/v1.0/subscription/~?threshold=86400&interval=21600'],
      expiresIn: 315_360_000,
    });
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'active', subscriptionId: 'legacy' });
    await platform.close();
  });

  it('SUB-406 right after install: waiting-for-bot, then retried with backoff until it works', async () => {
    const platform = await setup({ retryBaseMs: 20 });
    const scope = nock(SERVER)
      .get('/restapi/v1.0/subscription')
      .times(3)
      .reply(200, { records: [] }, dateHeader)
      .post('/restapi/v1.0/subscription')
      .times(2)
      .reply(403, { errorCode: 'SUB-406', message: 'Not allowed subscribe for events to extensions of other account' })
      .post('/restapi/v1.0/subscription')
      .reply(200, sub('s-ok', 'Active', NOW + 1e10));
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    expect(platform.eventDeliveryStatus()).toMatchObject({ state: 'waiting-for-bot' });
    expect(platform.eventDeliveryStatus().lastError).toContain('SUB-406');
    await expect.poll(() => platform.eventDeliveryStatus().state, { timeout: 5000, interval: 10 }).toBe('active');
    scope.done();
    expect(platform.eventDeliveryStatus().subscriptionId).toBe('s-ok');
    await platform.close();
  });

  it('reports the configured delivery mode before event delivery is started (before the install)', async () => {
    const webhook = createRingCentralPlatform({ serverUrl: SERVER, clientId: 'c', clientSecret: 's', vault: memoryVault(), logger: recordingLogger(), deliveryMode: 'webhook' });
    expect(webhook.eventDeliveryStatus()).toEqual({ mode: 'webhook', state: 'waiting-for-bot' });
    const websocket = createRingCentralPlatform({ serverUrl: SERVER, clientId: 'c', clientSecret: 's', vault: memoryVault(), logger: recordingLogger() });
    expect(websocket.eventDeliveryStatus()).toEqual({ mode: 'websocket', state: 'waiting-for-bot' });
    await webhook.close();
    await websocket.close();
  });

  it('waits for the bot when started before any bot token is installed', async () => {
    const platform = createRingCentralPlatform({ serverUrl: SERVER, clientId: 'c', clientSecret: 's', vault: memoryVault(), logger: recordingLogger() });
    await platform.startEventDelivery({ publicUrl: 'https://bot.example.com', verificationToken: 'VT', onNotification: () => undefined });
    expect(platform.eventDeliveryStatus()).toEqual({ mode: 'webhook', state: 'waiting-for-bot' });
    await platform.close();
  });
});

describe('filtersCover', () => {
  it('matches `~` against the ids RingCentral substitutes', () => {
    expect(filtersCover(SERVER_FILTERS, ['/restapi/v1.0/account/~/extension/~', '/team-messaging/v1/posts'])).toBe(true);
    expect(filtersCover(['/team-messaging/v1/posts'], ['/team-messaging/v1/posts', '/team-messaging/v1/chats'])).toBe(false);
    expect(filtersCover(['/restapi/v1.0/subscription/abc?threshold=60&interval=15'], ['/restapi/v1.0/subscription/~?threshold=86400&interval=21600'])).toBe(false);
    expect(filtersCover(['/restapi/v1.0/account/1/extension/2/presence'], ['/restapi/v1.0/account/~/extension/~'])).toBe(false);
  });
});
