/**
 * Identity and fair keys of notifications, on RingCentral's own sample payloads
 * (../shared/ringcentral/samples), each delivered "through two subscriptions" (fresh uuid and
 * subscription id, as RingCentral does per subscription) and through the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationDelivery } from '../../../src/events/inbox-delivery.ts';
import { fairKeyOf, identityKeyOf, toNotificationEnvelope } from '../../../src/events/parse-notification.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

const samples = path.resolve(import.meta.dirname, '../../../../shared/ringcentral/samples');
const sample = (name: string) => toNotificationEnvelope(JSON.parse(fs.readFileSync(path.join(samples, name), 'utf8')));
const viaOtherSubscription = <T extends { uuid: string; subscriptionId: string }>(e: T): T => ({ ...e, uuid: `${e.uuid}-2`, subscriptionId: 'other-subscription' });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('identityKeyOf', () => {
  it('a post is its event type and post id', () => {
    const post = sample('tm-v1-post-added.json');
    expect(identityKeyOf(post)).toBe('post:PostAdded:26848769679364');
    expect(identityKeyOf(viaOtherSubscription(post))).toBe(identityKeyOf(post));
    expect(identityKeyOf({ ...post, body: { ...post.body, id: '26848769679365' } })).not.toBe(identityKeyOf(post));
    expect(fairKeyOf(post)).toBe('995723345922:62534323');
  });

  it('a chat join is the chat, the bot and the chat version; a later re-join is another event', () => {
    const joined = sample('tm-v1-chat-group-joined.json');
    expect(identityKeyOf(joined)).toBe('chat:GroupJoined:1055879168002:62534323:2021-03-26T09:21:33.168Z');
    expect(identityKeyOf(viaOtherSubscription(joined))).toBe(identityKeyOf(joined));
    expect(identityKeyOf({ ...joined, body: { ...joined.body, lastModifiedTime: '2021-04-01T00:00:00.000Z' } })).not.toBe(identityKeyOf(joined));
    const legacy = sample('legacy-glip-group-joined-bot-added.json');
    expect(identityKeyOf(legacy)).toBe('chat:GroupJoined:222468202498:2014173020:2018-11-15T07:10:33.442Z');
  });

  it('an extension change is the extension, event, hints and second', () => {
    const change = sample('extension-info-update-event.json');
    expect(identityKeyOf(change)).toBe(`extension:8475874957:Update:CompanyNumbers,ExtensionInfo:${Date.parse('2013-06-14T12:00:00.000Z') / 1000}`);
    expect(identityKeyOf(viaOtherSubscription(change))).toBe(identityKeyOf(change));
    expect(identityKeyOf({ ...change, timestamp: '2013-06-14T12:00:05.000Z' })).not.toBe(identityKeyOf(change));
  });

  it('a notification without ids has no identity (the uuid alone dedupes it)', () => {
    expect(identityKeyOf(toNotificationEnvelope({ uuid: 'x', event: '/restapi/v1.0/subscription/abc?threshold=86400&interval=3600', body: { expiresIn: 86400 } }))).toBeUndefined();
  });

  it('the same post through two subscriptions is accepted once by the inbox', async () => {
    const db = tempDatabase();
    cleanups.push(db.cleanup);
    const store: Store = await openStore(db.url);
    cleanups.push(() => store.close());
    const post = sample('tm-v1-post-added.json');
    expect(await store.inbox.accept(notificationDelivery('webhook', post), 1)).toBe('accepted');
    expect(await store.inbox.accept(notificationDelivery('websocket', viaOtherSubscription(post)), 2)).toBe('duplicate');
    expect(await store.inbox.counts()).toMatchObject({ pending: 1 });
  });
});
