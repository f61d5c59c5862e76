/**
 * The commands the bot understands, in matching order (more specific first). Listed explicitly,
 * no folder scanning. Other features (e.g. the audit commands) pass theirs in `extra`; they are
 * matched before `help` so their words win over the greeting words.
 */
import type { Command } from './command-registry.ts';
import { forgetMeCommand } from './forget-me.ts';
import { helpCommand } from './help.ts';
import { setAvatarForPersonCommand } from './set-avatar-for-person.ts';
import { setMyAvatarCommand } from './set-my-avatar.ts';
import { showPersonCommand } from './show-person.ts';

/** Built-in commands plus `extra` (audit commands go here). */
export function createCommands(extra: Command[] = []): Command[] {
  return [setAvatarForPersonCommand, setMyAvatarCommand, showPersonCommand, forgetMeCommand, ...extra, helpCommand];
}
