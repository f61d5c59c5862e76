/**
 * `send audit reports here`: this chat gets the scheduled audit report (administrators).
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';
import { requireAdmin } from './audit-command-shared.ts';

const sendReportsPattern = /^(please )?(send|post|deliver) (the )?(scheduled )?audit reports? (here|to this chat|in this chat)$|^(please )?(start|turn on|enable) (the )?audit reports?( here| in this chat)?$/;

/** The `send-audit-reports-here` command over one {@link BotAudit}. */
export function createSendAuditReportsHereCommand(audit: BotAudit): Command {
  return {
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

