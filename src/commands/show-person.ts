/**
 * `show @person` / `show me`: a card with the person's profile photo (scale size 584x584,
 * else 195x195), name and extension number; a plain "has no profile photo" when there is none.
 * Guests (`glip-` ids) have no RingCentral extension (docs/ringcentral-notes.md §9.17).
 */
import { CommandUsageError } from '../errors.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import type { Command } from './command-registry.ts';
import type { CommandContext } from './command-context.ts';
import { buildPersonPhotoCard } from './cards.ts';
import { isGuest } from '../platform/is-guest.ts';

/** `show @person` / `show me`: target from the first Person mention, else the requester for "me". */
export const showPersonCommand: Command = {
  name: 'show-person',
  usage: ['show @person', 'show me'],
  summary: "shows a person's profile photo, name and extension number.",
  matches: (t) => /^(please )?(show|see|view|display|get|who is|whois)( me)?( the| my)?( (avatar|photo|picture|profile photo|profile picture) (of|for))? ?(@person|@team|me|mine|my (avatar|photo|picture|profile photo))\b/.test(t.normalized) ||
    // "show Oliver": a name typed without a mention gets the usage hint rather than the full help.
    /^(please )?show [a-z]/.test(t.normalized),
  async run(ctx) {
    const n = ctx.text.normalized;
    const person = ctx.mentions.find((m) => m.type === 'Person');
    let targetId: string;
    if (person) targetId = person.id;
    else if (ctx.mentions.some((m) => m.type === 'Team')) throw new CommandUsageError('Please mention a person, not a team: **show @person**.');
    else if (/\b(me|mine|my)\b/.test(n)) targetId = ctx.requesterId;
    else throw new CommandUsageError('Whom should I show? Mention the person (type @ and pick them): **show @person**, or say **show me**.');
    if (isGuest(targetId)) {
      await ctx.reply(`${person?.name ?? 'That person'} is a guest and has no RingCentral profile photo.`);
      return;
    }
    await showPerson(ctx, targetId);
  },
};

/** Posts the person card for `extensionId` in the context's chat. PlatformError passes through. */
export async function showPerson(ctx: Pick<CommandContext, 'services' | 'chatId' | 'reply' | 'log'>, extensionId: string): Promise<void> {
  const bot = ctx.services.platform.bot();
  const ext = await bot.getExtension(extensionId);
  const name = ext.name ?? [ext.contact?.firstName, ext.contact?.lastName].filter(Boolean).join(' ') ?? extensionId;
  let photo = await bot.getProfileImage(extensionId, '584x584').catch((e: unknown) => {
    if (e instanceof PlatformError && (e.kind === 'not-found' || e.kind === 'bad-request')) return undefined;
    throw e;
  });
  photo ??= await bot.getProfileImage(extensionId, '195x195').catch((e: unknown) => {
    if (e instanceof PlatformError && (e.kind === 'not-found' || e.kind === 'bad-request')) return undefined;
    throw e;
  });
  if (!photo) {
    await ctx.reply(`${name || extensionId}${ext.extensionNumber ? ` (ext. ${ext.extensionNumber})` : ''} has no profile photo.`);
    return;
  }
  const file = await bot.uploadFile(ctx.chatId, `profile-photo-${extensionId}.${photo.contentType === 'image/png' ? 'png' : 'jpg'}`, photo.bytes, photo.contentType);
  await ctx.reply(
    buildPersonPhotoCard({
      title: `Profile photo of ${name || extensionId}`,
      name: name || extensionId,
      ...(ext.extensionNumber ? { extensionNumber: ext.extensionNumber } : {}),
      imageUrl: file.contentUri,
      // "Show again" only where a button press can reach the bot
      ...(ctx.services.settings.cardButtons ? { extensionId } : {}),
    }),
  );
}
