/**
 * The audit's chat commands (issue 5): `audit missing photos`, `send audit reports here`,
 * `stop audit reports`, `remind people without photos` → `confirm reminders`, and
 * `stop reminding me`. Who may: RingCentral administrators (`permissions.admin.enabled` of the
 * requester's extension, docs/ringcentral-notes.md §2.2); the audit itself also anyone in a chat
 * registered for audit reports. One file per command in ./audit/;
 * the work is in src/audit/bot-audit.ts.
 */
import type { BotAudit } from '../audit/bot-audit.ts';
import type { Command } from './command-registry.ts';
import { createAuditMissingPhotosCommand } from './audit/audit-missing-photos.ts';
import { createSendAuditReportsHereCommand } from './audit/send-audit-reports-here.ts';
import { createStopAuditReportsCommand } from './audit/stop-audit-reports.ts';
import { createRemindPeopleWithoutPhotosCommand } from './audit/remind-people-without-photos.ts';
import { createConfirmRemindersCommand } from './audit/confirm-reminders.ts';
import { createCancelRemindersCommand } from './audit/cancel-reminders.ts';
import { createStopRemindingMeCommand } from './audit/stop-reminding-me.ts';
import { createRemindMeAgainCommand } from './audit/remind-me-again.ts';

/**
 * The audit commands over one {@link BotAudit}, in matching order. Pass them to
 * `createCommands(extra)`. Each command's failures go to the caller's error reply.
 */
export function createAuditCommands(audit: BotAudit): Command[] {
  return [createAuditMissingPhotosCommand(audit), createSendAuditReportsHereCommand(audit), createStopAuditReportsCommand(audit), createRemindPeopleWithoutPhotosCommand(audit), createConfirmRemindersCommand(audit), createCancelRemindersCommand(audit), createStopRemindingMeCommand(audit), createRemindMeAgainCommand(audit)];
}
