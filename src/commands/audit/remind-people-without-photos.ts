/**
 * `remind people without photos`: plans one direct message per person without a photo and asks for confirmation (administrators).
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';
import { count, people, PHOTO, requireAdmin } from './audit-command-shared.ts';

const remindPattern = new RegExp(
  `^(please )?(remind|nudge|ping) (the )?(people|everyone|everybody|users|colleagues|those|persons)( who are)? (without|with no|who (has|have) no|that (has|have) no|who (doesn t|don t|does not|do not) have|missing|lacking)( a| their)? ${PHOTO}$`,
);

/** The `remind-people-without-photos` command over one {@link BotAudit}. */
export function createRemindPeopleWithoutPhotosCommand(audit: BotAudit): Command {
  return {
    name: 'remind-people-without-photos',
    usage: ['remind people without photos'],
    summary: 'after you confirm, sends everyone without a profile photo one friendly direct message (admins).',
    matches: (t) => remindPattern.test(t.normalized),
    async run(ctx) {
      if (!(await requireAdmin(ctx, audit))) return;
      const plan = await audit.planReminders(ctx.chatId, ctx.requesterId);
      const notes: string[] = [];
      if (plan.recentlyReminded.length > 0) notes.push(`${people(plan.recentlyReminded.length)} got a reminder in the last ${plan.intervalDays} days`);
      if (plan.optedOut.length > 0) notes.push(`${people(plan.optedOut.length)} asked not to be reminded`);
      const skipped = notes.length > 0 ? ` (${notes.join('; ')}; they are left out)` : '';
      if (plan.toRemind.length === 0) {
        await audit.cancelReminderPlan(ctx.chatId, ctx.requesterId);
        await ctx.reply(`Nobody to remind right now${skipped || ': everyone has a profile photo'}.`);
        return;
      }
      const minutes = Math.round((audit.settings.confirmationTtlMs ?? 15 * 60_000) / 60_000);
      const question = `${people(plan.toRemind.length)} without a profile photo would get one direct message from me explaining how to add one${skipped}.`;
      const how = `Say **confirm reminders** within ${minutes} minutes to send them, or **cancel reminders**.`;
      if (!audit.settings.cardButtons) {
        await ctx.reply(`${question} ${how}`);
        return;
      }
      await ctx.reply({
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.3',
        fallbackText: `${question} ${how}`,
        body: [
          { type: 'TextBlock', text: 'Remind people without a photo?', weight: 'Bolder', size: 'Medium', wrap: true },
          { type: 'TextBlock', text: question, wrap: true },
          {
            type: 'TextBlock',
            text: `You can also type **confirm reminders** or **cancel reminders**. This question stays open for ${minutes} minutes.`,
            wrap: true,
            isSubtle: true,
          },
        ],
        actions: [
          { type: 'Action.Submit', title: `Send ${count(plan.toRemind.length)} reminder${plan.toRemind.length === 1 ? '' : 's'}`, data: { action: 'command', text: 'confirm reminders' } },
          { type: 'Action.Submit', title: 'Cancel', data: { action: 'command', text: 'cancel reminders' } },
        ],
      });
    },
  };
}
