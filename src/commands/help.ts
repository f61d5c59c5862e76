/** `help` (also the answer to unknown text and the greeting when the bot joins a chat). */
import type { Command } from './command-registry.ts';

/** Matches help and greetings; replies with the registry's generated help text. */
export const helpCommand: Command = {
  name: 'help',
  usage: ['help'],
  summary: 'shows this list.',
  matches: (t) => /^(help|\?|commands|menu|what can you do|how does this work|hi|hello|hey)( .*)?$/.test(t.normalized),
  async run(ctx) {
    await ctx.reply(ctx.services.registry().helpText());
  },
};
