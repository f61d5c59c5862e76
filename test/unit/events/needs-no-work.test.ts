import { describe, expect, it } from 'vitest';
import { createNoWorkFilter } from '../../../src/events/needs-no-work.ts';
import type { NotificationEnvelope } from '../../../src/platform/ringcentral-client.ts';

const envelope = (body: Record<string, unknown>): NotificationEnvelope =>
  ({ uuid: 'u', event: '/team-messaging/v1/posts', body: { eventType: 'PostAdded', type: 'TextMessage', id: 'p', creatorId: '7', text: 'x', ...body } }) as unknown as NotificationEnvelope;

describe('needsNoWork', () => {
  it('skips own posts, system posts and unaddressed posts in chats known not to be Direct', () => {
    const f = createNoWorkFilter();
    f.rememberChatType('g', 'Group');
    f.rememberChatType('d', 'Direct');
    f.rememberChatType('me', 'Personal');
    expect(f.needsNoWork(envelope({ groupId: 'd', creatorId: 'bot' }), 'bot')).toBe(true);
    expect(f.needsNoWork(envelope({ groupId: 'd', type: 'PersonJoined' }), 'bot')).toBe(true);
    expect(f.needsNoWork(envelope({ groupId: 'g' }), 'bot')).toBe(true);
    expect(f.needsNoWork(envelope({ groupId: 'me' }), 'bot')).toBe(true);
  });

  it('keeps the full path when the bot may act or the chat type is not known yet', () => {
    const f = createNoWorkFilter();
    f.rememberChatType('g', 'Team');
    f.rememberChatType('d', 'Direct');
    expect(f.needsNoWork(envelope({ groupId: 'g', mentions: [{ id: 'bot', type: 'Person', name: 'B' }] }), 'bot')).toBe(false);
    expect(f.needsNoWork(envelope({ groupId: 'd' }), 'bot')).toBe(false);
    expect(f.needsNoWork(envelope({ groupId: 'new' }), 'bot')).toBe(false);
    expect(f.needsNoWork(envelope({ groupId: 'g' }), undefined)).toBe(false);
    expect(f.needsNoWork({ uuid: 'u', event: '/x', body: { eventType: 'GroupJoined', id: 'g' } } as unknown as NotificationEnvelope, 'bot')).toBe(false);
  });
});
