/**
 * `remind me again`: undoes the opt-out.
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';

const remindMeAgainPattern = /^(please )?(start reminding me( again)?|remind me again|resume reminders)$/;

/** The `remind-me-again` command over one {@link BotAudit}. */
export function createRemindMeAgainCommand(audit: BotAudit): Command {
  return {
    name: 'remind-me-again',
    usage: ['remind me again'],
    summary: 'undoes "stop reminding me".',
    matches: (t) => remindMeAgainPattern.test(t.normalized),
    async run(ctx) {
      await audit.reminders.optIn(ctx.requesterId);
      await ctx.reply('OK, you may get a reminder about your profile photo again.');
    },
  };
}
