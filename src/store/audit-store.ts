/**
 * The audit's tables on either database: run history, the scheduled-run ledger, admin chats,
 * reminder opt-outs and times, reminder plans waiting for confirmation. Every claim is one
 * statement whose uniqueness or condition makes it atomic across instances.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { AuditHistoryRecord, AuditStore } from './store.ts';

/** Builds the AuditStore; rows written carry `accountId`. */
export function createAuditStore(db: Kysely<DB>, accountId: string): AuditStore {
  return {
    async saveAudit(r, keep) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('audit_history')
          .values({
            started_at: r.startedAt,
            finished_at: r.finishedAt,
            duration_ms: r.durationMs,
            api_calls: r.apiCalls,
            extensions: r.extensions,
            with_photo: r.withPhoto,
            without_photo: r.withoutPhoto,
            share_with_photo: r.shareWithPhoto,
            filter_json: JSON.stringify(r.filter),
            missing_ids_json: JSON.stringify(r.missingIds),
            account_id: accountId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const keepFrom = await trx.selectFrom('audit_history').select('id').orderBy('id', 'desc').offset(Math.max(1, keep) - 1).limit(1).executeTakeFirst();
        if (keepFrom) await trx.deleteFrom('audit_history').where('id', '<', keepFrom.id).execute();
        return Number(row.id);
      });
    },
    async recentAudits(limit) {
      const rows = await db.selectFrom('audit_history').selectAll().orderBy('id', 'desc').limit(limit).execute();
      return rows.map(
        (row): AuditHistoryRecord => ({
          id: Number(row.id),
          startedAt: row.started_at,
          finishedAt: row.finished_at,
          durationMs: Number(row.duration_ms),
          apiCalls: Number(row.api_calls),
          extensions: Number(row.extensions),
          withPhoto: Number(row.with_photo),
          withoutPhoto: Number(row.without_photo),
          shareWithPhoto: Number(row.share_with_photo),
          filter: JSON.parse(row.filter_json) as unknown,
          missingIds: JSON.parse(row.missing_ids_json) as string[],
        }),
      );
    },
    async claimScheduledRun(scheduledAt, instanceId, now) {
      const r = await db
        .insertInto('audit_run_ledger')
        .values({ scheduled_at: scheduledAt, instance_id: instanceId, claimed_at: now, account_id: accountId })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async lastScheduledRun() {
      const row = await db.selectFrom('audit_run_ledger').select((eb) => eb.fn.max('scheduled_at').as('last')).executeTakeFirst();
      return row?.last == null ? undefined : Number(row.last);
    },
    async finishScheduledRun(scheduledAt, outcome, error, now) {
      await db.updateTable('audit_run_ledger').set({ finished_at: now, outcome, error: error ?? null }).where('scheduled_at', '=', scheduledAt).execute();
    },
    async recentScheduledRuns(limit) {
      const rows = await db.selectFrom('audit_run_ledger').selectAll().orderBy('scheduled_at', 'desc').limit(limit).execute();
      return rows.map((row) => ({
        scheduledAt: Number(row.scheduled_at),
        instanceId: row.instance_id,
        claimedAt: Number(row.claimed_at),
        finishedAt: row.finished_at == null ? undefined : Number(row.finished_at),
        outcome: row.outcome ?? undefined,
        error: row.error ?? undefined,
      }));
    },
    async registerAdminChat(chatId, registeredBy, at) {
      const r = await db
        .insertInto('audit_admin_chats')
        .values({ chat_id: chatId, registered_by: registeredBy, registered_at: at, account_id: accountId })
        .onConflict((oc) => oc.column('chat_id').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async unregisterAdminChat(chatId) {
      const r = await db.deleteFrom('audit_admin_chats').where('chat_id', '=', chatId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async hasAdminChat(chatId) {
      return (await db.selectFrom('audit_admin_chats').select('chat_id').where('chat_id', '=', chatId).executeTakeFirst()) !== undefined;
    },
    async listAdminChats() {
      const rows = await db.selectFrom('audit_admin_chats').selectAll().orderBy('registered_at').orderBy('chat_id').execute();
      return rows.map((r) => ({ chatId: r.chat_id, registeredBy: r.registered_by, registeredAt: Number(r.registered_at) }));
    },
    async optOutOfReminders(extensionId, at) {
      await db
        .insertInto('audit_reminders')
        .values({ extension_id: extensionId, opted_out_at: at, account_id: accountId })
        .onConflict((oc) => oc.column('extension_id').doUpdateSet((eb) => ({ opted_out_at: eb.ref('excluded.opted_out_at') })))
        .execute();
    },
    async optInToReminders(extensionId) {
      await db.updateTable('audit_reminders').set({ opted_out_at: null }).where('extension_id', '=', extensionId).execute();
    },
    async reminderStatuses(extensionIds) {
      const out = [];
      // Chunks keep the parameter count under both databases' limits.
      for (let i = 0; i < extensionIds.length; i += 500) {
        const chunk = extensionIds.slice(i, i + 500);
        const rows = await db.selectFrom('audit_reminders').selectAll().where('extension_id', 'in', chunk).execute();
        for (const r of rows) {
          out.push({
            extensionId: r.extension_id,
            lastRemindedAt: r.last_reminded_at == null ? undefined : Number(r.last_reminded_at),
            optedOutAt: r.opted_out_at == null ? undefined : Number(r.opted_out_at),
          });
        }
      }
      return out;
    },
    async claimReminder(extensionId, now, intervalMs) {
      const row = await db.selectFrom('audit_reminders').selectAll().where('extension_id', '=', extensionId).executeTakeFirst();
      const previous = row?.last_reminded_at == null ? null : Number(row.last_reminded_at);
      if (row?.opted_out_at != null) return { claimed: false, previous };
      if (previous !== null && previous > now - intervalMs) return { claimed: false, previous };
      // Optimistic: the update applies only if nobody changed the row since it was read.
      const r = await db
        .insertInto('audit_reminders')
        .values({ extension_id: extensionId, last_reminded_at: now, account_id: accountId })
        .onConflict((oc) =>
          oc
            .column('extension_id')
            .doUpdateSet((eb) => ({ last_reminded_at: eb.ref('excluded.last_reminded_at') }))
            .where('audit_reminders.opted_out_at', 'is', null)
            .where('audit_reminders.last_reminded_at', previous === null ? 'is' : '=', previous),
        )
        .executeTakeFirst();
      return { claimed: Number(r.numInsertedOrUpdatedRows ?? 0) === 1, previous };
    },
    async releaseReminder(extensionId, previous) {
      await db.updateTable('audit_reminders').set({ last_reminded_at: previous }).where('extension_id', '=', extensionId).execute();
    },
    async putReminderPlan(chatId, requesterId, createdAt, people) {
      await db
        .insertInto('audit_reminder_plans')
        .values({ chat_id: chatId, requester_id: requesterId, created_at: createdAt, people_json: JSON.stringify(people), account_id: accountId })
        .onConflict((oc) =>
          oc.columns(['chat_id', 'requester_id']).doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at'), people_json: eb.ref('excluded.people_json') })),
        )
        .execute();
    },
    async takeReminderPlan(chatId, requesterId) {
      const row = await db
        .deleteFrom('audit_reminder_plans')
        .where('chat_id', '=', chatId)
        .where('requester_id', '=', requesterId)
        .returning(['created_at', 'people_json'])
        .executeTakeFirst();
      return row ? { createdAt: Number(row.created_at), people: JSON.parse(row.people_json) as unknown } : undefined;
    },
    async deleteReminderPlan(chatId, requesterId) {
      const r = await db.deleteFrom('audit_reminder_plans').where('chat_id', '=', chatId).where('requester_id', '=', requesterId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };
}
