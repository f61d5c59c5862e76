/** `forget me`: revokes and deletes the person's stored authorization and pending requests. */
import type { Command } from './command-registry.ts';

/** Matches "forget me", "sign out", "revoke"…; replies whether anything was stored. */
export const forgetMeCommand: Command = {
  name: 'forget-me',
  usage: ['forget me'],
  summary: 'revokes and deletes the authorization you gave me.',
  matches: (t) => /^(please )?(forget me|forget my (authorization|tokens?|sign ?in)|sign out|log ?out|revoke( access| my access)?)\b/.test(t.normalized),
  async run(ctx) {
    const had = await ctx.services.auth.forget(ctx.requesterId);
    await ctx.reply(
      had
        ? 'Done: I revoked your authorization and deleted everything I kept for you.'
        : "I had no authorization stored for you, so there's nothing to forget. Any pending sign-in links are cancelled.",
    );
  },
};
