/**
 * `stop audit reports`: no more scheduled reports in this chat (administrators).
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';
import { requireAdmin } from './audit-command-shared.ts';

const stopReportsPattern = /^(please )?(stop|turn off|disable|no more) (sending )?(the )?(scheduled )?audit reports?( here| in this chat| to this chat)?$/;

/** The `stop-audit-reports` command over one {@link BotAudit}. */
export function createStopAuditReportsCommand(audit: BotAudit): Command {
  return {
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
}
