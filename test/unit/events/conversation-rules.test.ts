import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideConversation, stripMentionOf } from '../../../src/events/conversation-rules.ts';
import { toPostAddedEvent, type PostAddedEvent } from '../../../src/events/post-added-event.ts';
import { parseNotification } from '../../../src/events/parse-notification.ts';
import { WebhookPayloadError } from '../../../src/errors.ts';

const BOT = '2014173020';
function post(over: Partial<PostAddedEvent>): PostAddedEvent {
  return { uuid: 'u', postId: 'p', chatId: 'c', creatorId: '850957020', text: '', mentions: [], attachments: [], ...over };
}

describe('decideConversation', () => {
  it('ignores the bot\'s own posts even in a direct chat', () => {
    expect(decideConversation(post({ creatorId: BOT, text: 'set my avatar' }), BOT, 'Direct')).toEqual({ action: 'ignore', reason: 'own-post' });
  });

  it('takes every post in a direct chat', () => {
    expect(decideConversation(post({ text: 'help' }), BOT, 'Direct')).toMatchObject({ action: 'command', text: 'help', direct: true });
    expect(decideConversation(post({ text: 'help' }), BOT, 'PrivateChat')).toMatchObject({ action: 'command', direct: true });
  });

  it('ignores group posts that do not mention the bot', () => {
    expect(decideConversation(post({ text: 'show ![:Person](1)', mentions: [{ id: '1', type: 'Person' }] }), BOT, 'Group')).toEqual({
      action: 'ignore',
      reason: 'not-addressed',
    });
  });

  it('strips only the bot mention and keeps the other mentions as targets', () => {
    const d = decideConversation(
      post({
        text: `![:Person](${BOT}) show ![:Person](123456)`,
        mentions: [
          { id: BOT, type: 'Person', name: 'AvatarBot' },
          { id: '123456', type: 'Person', name: 'Alice' },
        ],
      }),
      BOT,
      'Team',
    );
    expect(d).toEqual({ action: 'command', text: 'show ![:Person](123456)', mentions: [{ id: '123456', type: 'Person', name: 'Alice' }], direct: false });
  });

  it('ignores system posts such as PersonJoined', () => {
    expect(decideConversation(post({ postType: 'PersonJoined' }), BOT, 'Direct')).toEqual({ action: 'ignore', reason: 'not-a-message' });
    expect(decideConversation(post({ postType: 'TextMessage', text: 'help' }), BOT, 'Direct')).toMatchObject({ action: 'command' });
  });

  it('ignores the Personal chat', () => {
    expect(decideConversation(post({ text: 'help' }), BOT, 'Personal')).toMatchObject({ action: 'ignore' });
  });

  it('stripMentionOf leaves other people alone', () => {
    expect(stripMentionOf(`![:Person](${BOT})  test ![:Person](${BOT}1)`, BOT)).toBe(`test ![:Person](${BOT}1)`);
  });
});

const samples = path.resolve(import.meta.dirname, '../../../../shared/ringcentral/samples');
describe.skipIf(!fs.existsSync(samples))('recorded samples (../shared/ringcentral/samples absent: skipped)', () => {
  it('parses the legacy PostAdded mentioning the bot', () => {
    const env = parseNotification(fs.readFileSync(path.join(samples, 'legacy-glip-post-added-mention-bot.json'), 'utf8'));
    const p = toPostAddedEvent(env)!;
    expect(p).toMatchObject({ chatId: '222468202498', creatorId: '850957020', ownerId: BOT });
    expect(decideConversation(p, env.ownerId!, 'Group')).toMatchObject({ action: 'command', text: 'test' });
  });

  it('sees the bot\'s own post in the Team Messaging v1 sample', () => {
    const env = parseNotification(fs.readFileSync(path.join(samples, 'tm-v1-post-added.json'), 'utf8'));
    const p = toPostAddedEvent(env)!;
    expect(decideConversation(p, env.ownerId!, 'Direct')).toEqual({ action: 'ignore', reason: 'own-post' });
  });

  it('parses every sample envelope', () => {
    for (const f of fs.readdirSync(samples).filter((n) => !n.startsWith('rest-') && n.endsWith('.json'))) {
      expect(parseNotification(fs.readFileSync(path.join(samples, f), 'utf8')).uuid).toBeTruthy();
    }
  });
});

describe('parseNotification', () => {
  it('refuses malformed JSON and envelopes without uuid or body', () => {
    expect(() => parseNotification('{')).toThrow(WebhookPayloadError);
    expect(() => parseNotification('[]')).toThrow(WebhookPayloadError);
    expect(() => parseNotification('{"body":{}}')).toThrow(/uuid/);
    expect(() => parseNotification('{"uuid":"1"}')).toThrow(/body/);
  });
});
