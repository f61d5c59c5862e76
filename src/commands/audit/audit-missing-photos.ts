/**
 * `audit missing photos`: the audit now, posted in this chat (administrators, or anyone in an admin chat).
 * The work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { Command } from '../command-registry.ts';
import { people, PHOTO } from './audit-command-shared.ts';

const auditPattern = new RegExp(
  `^(please )?(run (an |the )?)?(audit|check)( (the )?(missing|missed) ${PHOTO}| ${PHOTO}| (for|of) missing ${PHOTO})?( now)?$` +
    `|^(please )?(who|which people|who else) (has|have|does not have|doesn t have|don t have|do not have|is without|are without|still (has|have)) (no |a |any )?${PHOTO}( yet)?$`,
);
const NOT_ALLOWED_AUDIT =
  'Sorry, the photo audit is for RingCentral administrators. ' +
  'You can also run it in a chat where an admin has turned on audit reports.';

/** The `audit-missing-photos` command over one {@link BotAudit}. */
export function createAuditMissingPhotosCommand(audit: BotAudit): Command {
  return {
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
      // A durable job outside the dispatcher: a 100k audit never holds a slot quick answers need.
      const { created, jobId } = await audit.requestAudit(ctx.chatId, ctx.requesterId);
      ctx.log.info({ auditJobId: jobId, created }, 'audit queued');
      if (!created) await ctx.reply('An audit for this chat is already running. Its report will be posted here.');
    },
  };
}
