/**
 * Words and checks the audit's chat commands share: the photo words of their patterns, counts
 * in sentences, and the administrator check (`permissions.admin.enabled` of the requester's
 * extension, through BotAudit).
 */
import type { BotAudit } from '../../audit/bot-audit.ts';
import type { CommandContext } from '../command-context.ts';

/** 1,234 (en-US grouping). */
export const count = (n: number): string => n.toLocaleString('en-US');
/** "1 person" / "3 people". */
export const people = (n: number): string => `${count(n)} ${n === 1 ? 'person' : 'people'}`;

/** The ways people say "photo" in the audit's patterns (normalized text). */
export const PHOTO = '(profile )?(photo|photos|picture|pictures|pic|pics|avatar|avatars)';

const NOT_ALLOWED_ADMIN = 'Sorry, only RingCentral administrators can do that.';

/** True for administrators; otherwise replies that only they may, logs, and returns false. */
export async function requireAdmin(ctx: CommandContext, audit: BotAudit): Promise<boolean> {
  if (await audit.isAdmin(ctx.requesterId)) return true;
  ctx.log.info('refused: not an administrator');
  await ctx.reply(NOT_ALLOWED_ADMIN);
  return false;
}
