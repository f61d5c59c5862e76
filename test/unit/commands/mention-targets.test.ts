/**
 * Targets come from mentions: Team mentions and guests are answered before any RingCentral call
 * (../shared/docs/field-bugs.md §17). The services are deliberately empty: touching them fails.
 */
import { describe, expect, it } from 'vitest';
import { setAvatarForPersonCommand } from '../../../src/commands/set-avatar-for-person.ts';
import { setMyAvatarCommand } from '../../../src/commands/set-my-avatar.ts';
import { showPersonCommand } from '../../../src/commands/show-person.ts';
import { parseCommand } from '../../../src/commands/parse-command.ts';
import type { CommandContext } from '../../../src/commands/command-context.ts';
import { CommandUsageError } from '../../../src/errors.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';

function ctx(text: string, mentions: CommandContext['mentions']): { ctx: CommandContext; replies: unknown[] } {
  const replies: unknown[] = [];
  return {
    replies,
    ctx: {
      uuid: 'u',
      chatId: 'c',
      direct: false,
      requesterId: '1',
      text: parseCommand(text),
      mentions,
      attachments: [],
      attempt: 1,
      log: captureLogger().logger,
      reply: async (c) => void replies.push(c),
      services: new Proxy({} as CommandContext['services'], {
        get: (_t, prop) => {
          throw new Error(`services.${String(prop)} must not be used here`);
        },
      }),
    },
  };
}

describe('mention targets', () => {
  it('asks for a person when only a team is mentioned', async () => {
    const a = ctx('set avatar for ![:Team](555)', [{ id: '555', type: 'Team', name: 'Sales' }]);
    await expect(setAvatarForPersonCommand.run(a.ctx)).rejects.toThrow(/mention a person, not a team/);
    const b = ctx('show ![:Team](555)', [{ id: '555', type: 'Team', name: 'Sales' }]);
    await expect(showPersonCommand.run(b.ctx)).rejects.toBeInstanceOf(CommandUsageError);
  });

  it('answers a guest politely', async () => {
    const a = ctx('show ![:Person](glip-987)', [{ id: 'glip-987', type: 'Person', name: 'Gail' }]);
    await showPersonCommand.run(a.ctx);
    expect(a.replies).toEqual(['Gail is a guest and has no RingCentral profile photo.']);
    const b = ctx('set avatar for ![:Person](glip-987)', [{ id: 'glip-987', type: 'Person', name: 'Gail' }]);
    await expect(setAvatarForPersonCommand.run(b.ctx)).rejects.toThrow(/guest/);
  });

  it('tells a guest asking for their own photo, before any RingCentral call', async () => {
    const a = ctx('set my avatar', []);
    a.ctx.requesterId = 'glip-42';
    a.ctx.attachments = [{ type: 'File', name: 'me.jpg', contentType: 'image/jpeg', contentUri: 'https://media.ringcentral.com/f/1' }];
    await expect(setMyAvatarCommand.run(a.ctx)).rejects.toThrow(/guest/);
  });

  it('needs a mention for "set avatar for"', async () => {
    const a = ctx('set avatar for Alice', []);
    await expect(setAvatarForPersonCommand.run(a.ctx)).rejects.toThrow(/Mention the person/);
  });
});
