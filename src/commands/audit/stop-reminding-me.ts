/**
 * `stop reminding me`: the requester opts out of photo reminders.
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';

const stopRemindingPattern = /^(please )?(stop|no more|don t send me|do not send me) (reminding me|reminders?( to me)?|sending me reminders?)$|^unsubscribe( from reminders)?$/;

/** The `stop-reminding-me` command over one {@link BotAudit}. */
export function createStopRemindingMeCommand(audit: BotAudit): Command {
  return {
    name: 'stop-reminding-me',
    usage: ['stop reminding me'],
    summary: 'no more reminders about your profile photo.',
    matches: (t) => stopRemindingPattern.test(t.normalized),
    async run(ctx) {
      await audit.reminders.optOut(ctx.requesterId, new Date(ctx.services.now()));
      await ctx.reply("OK, I won't remind you about your profile photo again. Say **remind me again** if you change your mind.");
    },
  };
}
