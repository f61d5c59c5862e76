/**
 * Step "schedule": the audit of missing photos (its commands' service, the admin chats) and
 * its schedule (AUDIT_CRON in AUDIT_TIMEZONE).
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { createBotAudit, type BotAudit } from '../audit/bot-audit.ts';

/** Builds the audit over the store's audit tables; the schedule starts with `audit.startSchedule()`. */
export function createAudit(p: { config: Config; store: Store; platform: RingCentralPlatform; logger: Logger; now: () => number }): BotAudit {
  const { config, store } = p;
  return createBotAudit({
    store: store.audit,
    reminderJobs: store.reminderJobs,
    rateGrants: store.rateGrants,
    auditJobs: store.auditJobs,
    instanceId: store.instanceId,
    platform: p.platform,
    logger: p.logger.child({ module: 'audit' }),
    settings: {
      cron: config.auditCron,
      timeZone: config.auditTimezone,
      adminChatIds: config.adminChatIds,
      filter: config.auditFilter,
      reminderIntervalDays: config.reminderIntervalDays,
      remindersPerMinute: config.remindersPerMinute,
      progressIntervalMs: config.auditProgressIntervalMs,
      cardButtons: Boolean(config.sharedSecret),
    },
    now: p.now,
  });
}
