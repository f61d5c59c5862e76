/**
 * `cancel reminders`: drops the plan waiting for confirmation.
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';

const cancelPattern = /^(please )?(cancel|don t send|do not send) (the )?reminders?$/;

/** The `cancel-reminders` command over one {@link BotAudit}. */
export function createCancelRemindersCommand(audit: BotAudit): Command {
  return {
    name: 'cancel-reminders',
    usage: ['cancel reminders'],
    summary: 'drops reminders waiting for your confirmation.',
    matches: (t) => cancelPattern.test(t.normalized),
    async run(ctx) {
      const had = await audit.cancelReminderPlan(ctx.chatId, ctx.requesterId);
      await ctx.reply(had ? 'OK, no reminders will be sent.' : 'There were no reminders waiting for your confirmation.');
    },
  };
}
