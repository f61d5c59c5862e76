/**
 * The check of the audit schedule settings (AUDIT_CRON, AUDIT_TIMEZONE) with the libraries that
 * run it (node-cron fires it, croner computes its times). Beside config.ts, which runs it at
 * start, and below src/audit/, which schedules with it.
 */
import cron from 'node-cron';
import { Cron } from 'croner';

/** Settings error naming the setting and what is expected. */
export class AuditScheduleConfigError extends Error {
  constructor(
    readonly setting: 'AUDIT_CRON' | 'AUDIT_TIMEZONE',
    message: string,
  ) {
    super(message);
    this.name = 'AuditScheduleConfigError';
  }
}

/** Whether `timeZone` is an IANA zone name this Node (ICU) knows, e.g. `Europe/Berlin`. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A paused croner job for the expression in the zone (node-cron's day rule). Throws croner's error for a bad expression. */
export function cronFor(expression: string, timeZone: string): Cron {
  // domAndDow: node-cron combines day-of-month and day-of-week with AND; match it.
  return new Cron(expression, { timezone: timeZone, paused: true, domAndDow: true });
}

/**
 * Check the schedule settings up front.
 * In: `cronExpression` (AUDIT_CRON: 5 fields, or 6 with seconds first) and `timeZone`
 * (AUDIT_TIMEZONE: IANA name). Throws {@link AuditScheduleConfigError} naming the setting,
 * the bad value and what is expected, when node-cron's `validate` or croner rejects the
 * expression, when it never fires, or when the zone is unknown.
 */
export function validateAuditSchedule(cronExpression: string, timeZone: string): void {
  if (!isValidTimeZone(timeZone)) {
    throw new AuditScheduleConfigError(
      'AUDIT_TIMEZONE',
      `AUDIT_TIMEZONE ${JSON.stringify(timeZone)} is not a known IANA time zone. ` +
        'Expected a name such as "UTC", "Europe/Berlin" or "America/New_York".',
    );
  }
  const expected =
    'Expected a cron expression of 5 fields (minute hour day-of-month month day-of-week), ' +
    'or 6 with seconds first, e.g. "0 9 * * 1-5" for 09:00 Monday to Friday.';
  if (typeof cronExpression !== 'string' || !cron.validate(cronExpression)) {
    const detail = typeof cronExpression === 'string' ? cron.validateDetailed(cronExpression) : undefined;
    const reasons = detail?.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new AuditScheduleConfigError(
      'AUDIT_CRON',
      `AUDIT_CRON ${JSON.stringify(cronExpression)} is not a valid cron expression${reasons ? ` (${reasons})` : ''}. ${expected}`,
    );
  }
  let next: Date | null;
  try {
    next = cronFor(cronExpression, timeZone).nextRun();
  } catch (error) {
    throw new AuditScheduleConfigError(
      'AUDIT_CRON',
      `AUDIT_CRON ${JSON.stringify(cronExpression)} could not be read (${(error as Error).message}). ${expected}`,
    );
  }
  if (!next) {
    throw new AuditScheduleConfigError(
      'AUDIT_CRON',
      `AUDIT_CRON ${JSON.stringify(cronExpression)} never fires (no matching date). ${expected}`,
    );
  }
}

