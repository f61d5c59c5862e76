/**
 * Which words reach which audit command (after parseCommand, as the dispatcher does it), that
 * the audit words win over the greeting words of `help`, and the admin-chat registry on a real
 * SQLite file (registered chats plus ADMIN_CHAT_IDS).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditCommands } from '../../../src/commands/audit-commands.ts';
import { createCommands } from '../../../src/commands/index.ts';
import { createCommandRegistry } from '../../../src/commands/command-registry.ts';
import { parseCommand } from '../../../src/commands/parse-command.ts';
import { AdminChatRegistry } from '../../../src/audit/bot-audit-chats.ts';
import type { BotAudit } from '../../../src/audit/bot-audit.ts';
import { openSqliteStoreForTest, tempDatabase } from '../../helpers/temp-database.ts';

// Matching never touches the audit service.
const registry = createCommandRegistry(createCommands(createAuditCommands({} as BotAudit)));
const commandFor = (text: string) => registry.find(parseCommand(text))?.name;

describe('audit command words', () => {
  it.each([
    ['audit missing photos', 'audit-missing-photos'],
    ['Audit', 'audit-missing-photos'],
    ['audit photos now', 'audit-missing-photos'],
    ['Who has no photo?', 'audit-missing-photos'],
    ["who doesn't have a profile photo yet", 'audit-missing-photos'],
    ['send audit reports here', 'send-audit-reports-here'],
    ['Please send the audit report to this chat', 'send-audit-reports-here'],
    ['stop audit reports', 'stop-audit-reports'],
    ['no more audit reports here', 'stop-audit-reports'],
    ['remind people without photos', 'remind-people-without-photos'],
    ['Remind everyone who has no profile photo', 'remind-people-without-photos'],
    ['confirm reminders', 'confirm-reminders'],
    ['yes, send them', 'confirm-reminders'],
    ['cancel reminders', 'cancel-reminders'],
    ['stop reminding me', 'stop-reminding-me'],
    ['Stop reminders!', 'stop-reminding-me'],
    ['remind me again', 'remind-me-again'],
    ['help', 'help'],
    ['hi', 'help'],
  ])('%j → %s', (text, name) => {
    expect(commandFor(text)).toBe(name);
  });

  it('leaves the other commands alone', () => {
    expect(commandFor('show me')).toBe('show-person');
    expect(commandFor('set my avatar')).toBe('set-my-avatar');
    expect(commandFor('audit trail of my photo changes please')).toBeUndefined();
  });

  it('lists the audit commands in the help, including how to turn reports on', () => {
    const help = registry.helpText();
    expect(help).toContain('**send audit reports here**: turns on the scheduled audit report for this chat (admins).');
    expect(help).toContain('**audit missing photos** or **who has no photo**');
    expect(help).toContain('**stop reminding me**');
  });
});

describe('AdminChatRegistry', () => {
  let cleanup: (() => void) | undefined;
  const stores: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    cleanup?.();
  });

  it('keeps registered chats in SQLite and adds ADMIN_CHAT_IDS, without duplicates', async () => {
    const tmp = tempDatabase();
    cleanup = tmp.cleanup;
    const chats = new AdminChatRegistry((await openSqliteStoreForTest(tmp.file, stores)).audit, ['900', '901']);
    expect(await chats.register('100', '7', 1_000)).toBe(true);
    expect(await chats.register('100', '8', 2_000)).toBe(false);
    expect(await chats.register('901', '7', 3_000)).toBe(true);
    expect(await chats.register('200', '7', 4_000)).toBe(true);
    expect((await chats.list()).map((c) => [c.chatId, c.source])).toEqual([
      ['900', 'setting'],
      ['901', 'setting'],
      ['100', 'chat'],
      ['200', 'chat'],
    ]);
    expect(await chats.has('900')).toBe(true);
    expect(await chats.unregister('100')).toBe(true);
    expect(await chats.unregister('100')).toBe(false);
    expect(await chats.has('100')).toBe(false);

    // Another connection (another instance) sees the same registrations.
    const other = await openSqliteStoreForTest(tmp.file, stores);
    expect((await new AdminChatRegistry(other.audit).list()).map((c) => c.chatId)).toEqual(['901', '200']);
  });
});
