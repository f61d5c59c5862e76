/**
 * `confirm reminders`: sends the planned reminders, paced, and reports when done (administrators).
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';
import { count, requireAdmin } from './audit-command-shared.ts';

const confirmPattern = /^(please )?(yes )?(confirm|send) (the )?reminders?( now)?$|^yes send (them|the reminders?)$/;

/** The `confirm-reminders` command over one {@link BotAudit}. */
export function createConfirmRemindersCommand(audit: BotAudit): Command {
  return {
    name: 'confirm-reminders',
    usage: ['confirm reminders'],
    summary: 'sends the reminders you asked for with "remind people without photos" (admins).',
    matches: (t) => confirmPattern.test(t.normalized),
    async run(ctx) {
      if (!(await requireAdmin(ctx, audit))) return;
      const plan = await audit.takeReminderPlan(ctx.chatId, ctx.requesterId);
      if (!plan) {
        await ctx.reply('There are no reminders waiting for your confirmation here. Say **remind people without photos** first.');
        return;
      }
      const perMinute = audit.settings.remindersPerMinute ?? 10;
      const minutes = Math.ceil(plan.people.length / perMinute);
      await ctx.reply(
        `Sending ${plan.people.length === 1 ? 'the reminder' : `${count(plan.people.length)} reminders`} now` +
          (minutes > 1 ? `, about ${perMinute} a minute (roughly ${minutes} minutes)` : '') +
          ". I'll tell you here when it's done.",
      );
      await audit.queueReminders(ctx.chatId, ctx.requesterId, plan.people);
    },
  };
}
