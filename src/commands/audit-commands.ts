/**
 * The audit's chat commands (issue 5): `audit missing photos`, `send audit reports here`,
 * `stop audit reports`, `remind people without photos` → `confirm reminders`, and
 * `stop reminding me`. Who may: RingCentral administrators (`permissions.admin.enabled` of the
 * requester's extension, docs/ringcentral-notes.md §2.2); the audit itself also anyone in a chat
 * registered for audit reports. The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../audit/bot-audit.ts';
import type { Command } from './command-registry.ts';
import type { CommandContext } from './command-context.ts';

const count = (n: number) => n.toLocaleString('en-US');
const people = (n: number) => `${count(n)} ${n === 1 ? 'person' : 'people'}`;

const PHOTO = '(profile )?(photo|photos|picture|pictures|pic|pics|avatar|avatars)';

const auditPattern = new RegExp(
  `^(please )?(run (an |the )?)?(audit|check)( (the )?(missing|missed) ${PHOTO}| ${PHOTO}| (for|of) missing ${PHOTO})?( now)?$` +
    `|^(please )?(who|which people|who else) (has|have|does not have|doesn t have|don t have|do not have|is without|are without|still (has|have)) (no |a |any )?${PHOTO}( yet)?$`,
);
const sendReportsPattern = /^(please )?(send|post|deliver) (the )?(scheduled )?audit reports? (here|to this chat|in this chat)$|^(please )?(start|turn on|enable) (the )?audit reports?( here| in this chat)?$/;
const stopReportsPattern = /^(please )?(stop|turn off|disable|no more) (sending )?(the )?(scheduled )?audit reports?( here| in this chat| to this chat)?$/;
const remindPattern = new RegExp(
  `^(please )?(remind|nudge|ping) (the )?(people|everyone|everybody|users|colleagues|those|persons)( who are)? (without|with no|who (has|have) no|that (has|have) no|who (doesn t|don t|does not|do not) have|missing|lacking)( a| their)? ${PHOTO}$`,
);
const confirmPattern = /^(please )?(yes )?(confirm|send) (the )?reminders?( now)?$|^yes send (them|the reminders?)$/;
const cancelPattern = /^(please )?(cancel|don t send|do not send) (the )?reminders?$/;
const stopRemindingPattern = /^(please )?(stop|no more|don t send me|do not send me) (reminding me|reminders?( to me)?|sending me reminders?)$|^unsubscribe( from reminders)?$/;
const remindMeAgainPattern = /^(please )?(start reminding me( again)?|remind me again|resume reminders)$/;

const NOT_ALLOWED_AUDIT =
  'Sorry, the photo audit is for RingCentral administrators. ' +
  'You can also run it in a chat where an admin has turned on audit reports.';
const NOT_ALLOWED_ADMIN = 'Sorry, only RingCentral administrators can do that.';

async function requireAdmin(ctx: CommandContext, audit: BotAudit): Promise<boolean> {
  if (await audit.isAdmin(ctx.requesterId)) return true;
  ctx.log.info('refused: not an administrator');
  await ctx.reply(NOT_ALLOWED_ADMIN);
  return false;
}

/**
 * The audit commands over one {@link BotAudit}, in matching order. Pass them to
 * `createCommands(extra)`. Each command's failures go to the caller's error reply.
 */
export function createAuditCommands(audit: BotAudit): Command[] {
  const auditCommand: Command = {
    name: 'audit-missing-photos',
    usage: ['audit missing photos', 'who has no photo'],
    summary: 'lists who has no profile photo yet, with the trend since the last audit (admins, or anyone in an admin chat).',
    matches: (t) => auditPattern.test(t.normalized),
    async run(ctx) {
      if (!(await audit.mayAudit(ctx.chatId, ctx.requesterId))) {
        ctx.log.info('audit refused: not an administrator and not an admin chat');
        await ctx.reply(NOT_ALLOWED_AUDIT);
        return;
      }
      const { recorded, delivery } = await audit.auditForChat(ctx.chatId, ctx.log);
      ctx.log.info({ historyId: recorded.historyId, cardId: delivery.cardId, csv: Boolean(delivery.csv) }, 'audit posted');
    },
  };

  const sendReportsHere: Command = {
    name: 'send-audit-reports-here',
    usage: ['send audit reports here'],
    summary: `turns on the scheduled audit report for this chat (admins).`,
    matches: (t) => sendReportsPattern.test(t.normalized),
    async run(ctx) {
      if (!(await requireAdmin(ctx, audit))) return;
      const added = await audit.adminChats.register(ctx.chatId, ctx.requesterId, ctx.services.now());
      const next = audit.scheduled?.nextRun();
      const when = next ? ` The next one is due ${formatWhen(next, audit.settings.timeZone)}.` : '';
      await ctx.reply(
        added || audit.adminChats.isFixed(ctx.chatId)
          ? `Done: this chat will get the photo audit report on schedule (${audit.settings.cron}, ${audit.settings.timeZone}).${when} Say **stop audit reports** to turn it off.`
          : `This chat already gets the audit reports.${when}`,
      );
    },
  };

  const stopReports: Command = {
    name: 'stop-audit-reports',
    usage: ['stop audit reports'],
    summary: 'turns the scheduled audit report off for this chat (admins).',
    matches: (t) => stopReportsPattern.test(t.normalized),
    async run(ctx) {
      if (!(await requireAdmin(ctx, audit))) return;
      const removed = await audit.adminChats.unregister(ctx.chatId);
      if (audit.adminChats.isFixed(ctx.chatId)) {
        await ctx.reply('This chat is listed in the ADMIN_CHAT_IDS setting, so it keeps getting the reports until that setting changes.');
        return;
      }
      await ctx.reply(removed ? 'Done: no more scheduled audit reports in this chat.' : "This chat wasn't getting audit reports.");
    },
  };

  const remindPeople: Command = {
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

  const confirmReminders: Command = {
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
      void audit.startReminders(plan.people, async (result) => {
        const parts = [`sent ${count(result.sent.length)}`];
        if (result.skipped.length > 0) parts.push(`${count(result.skipped.length)} skipped (reminded meanwhile or opted out)`);
        if (result.failed.length > 0) parts.push(`${count(result.failed.length)} could not be sent`);
        await ctx.reply(`Reminders done: ${parts.join(', ')}.`).catch((e: unknown) => ctx.log.warn({ err: e }, 'could not report the reminders'));
      });
    },
  };

  const cancelReminders: Command = {
    name: 'cancel-reminders',
    usage: ['cancel reminders'],
    summary: 'drops reminders waiting for your confirmation.',
    matches: (t) => cancelPattern.test(t.normalized),
    async run(ctx) {
      const had = await audit.cancelReminderPlan(ctx.chatId, ctx.requesterId);
      await ctx.reply(had ? 'OK, no reminders will be sent.' : 'There were no reminders waiting for your confirmation.');
    },
  };

  const stopRemindingMe: Command = {
    name: 'stop-reminding-me',
    usage: ['stop reminding me'],
    summary: 'no more reminders about your profile photo.',
    matches: (t) => stopRemindingPattern.test(t.normalized),
    async run(ctx) {
      await audit.reminders.optOut(ctx.requesterId, new Date(ctx.services.now()));
      await ctx.reply("OK, I won't remind you about your profile photo again. Say **remind me again** if you change your mind.");
    },
  };

  const remindMeAgain: Command = {
    name: 'remind-me-again',
    usage: ['remind me again'],
    summary: 'undoes "stop reminding me".',
    matches: (t) => remindMeAgainPattern.test(t.normalized),
    async run(ctx) {
      await audit.reminders.optIn(ctx.requesterId);
      await ctx.reply('OK, you may get a reminder about your profile photo again.');
    },
  };

  return [auditCommand, sendReportsHere, stopReports, remindPeople, confirmReminders, cancelReminders, stopRemindingMe, remindMeAgain];
}

function formatWhen(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(d);
}
