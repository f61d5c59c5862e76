/**
 * Durable reminder work (tables `reminder_batches`, `reminder_jobs`): one job per person of a
 * `confirm reminders`, claimed by any instance with a lease (one statement; on PostgreSQL the
 * inner SELECT takes `FOR UPDATE SKIP LOCKED`), so a batch survives restarts and is shared.
 */
import type { Kysely } from 'kysely';
import type { DB, Dialect } from './schema.ts';
import type { ReminderBatchProgress, ReminderJobs } from './store.ts';

/** Builds the ReminderJobs of one store; rows carry `accountId`. */
export function createReminderJobs(db: Kysely<DB>, dialect: Dialect, accountId: string): ReminderJobs {
  return {
    async enqueue(batch, now) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('reminder_batches')
          .values({ id: batch.id, chat_id: batch.chatId, requester_id: batch.requesterId, total: batch.people.length, created_at: now, account_id: accountId })
          .execute();
        // Chunks keep the parameter count under both databases' limits.
        for (let i = 0; i < batch.people.length; i += 200) {
          const rows = batch.people.slice(i, i + 200).map((p, j) => ({
            id: `${batch.id}:${p.id}`,
            batch_id: batch.id,
            seq: i + j,
            extension_id: p.id,
            name: p.name,
            status: 'pending',
            available_at: now,
            attempts: 0,
            account_id: accountId,
          }));
          if (rows.length > 0) await trx.insertInto('reminder_jobs').values(rows).onConflict((oc) => oc.column('id').doNothing()).execute();
        }
      });
    },
    async claimNext(owner, now, leaseMs) {
      let pick = db
        .selectFrom('reminder_jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('available_at', '<=', now)]),
            eb.and([eb('status', '=', 'claimed'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('available_at')
        .orderBy('batch_id')
        .orderBy('seq')
        .limit(1);
      if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
      const row = await db
        .updateTable('reminder_jobs')
        .set((eb) => ({ status: 'claimed', owner, lease_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', pick)
        // Checked again on the row itself, so a concurrent claim can't win twice.
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('available_at', '<=', now)]),
            eb.and([eb('status', '=', 'claimed'), eb('lease_until', '<', now)]),
          ]),
        )
        .returning(['id', 'batch_id', 'extension_id', 'name', 'attempts', 'reminded_at'])
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        batchId: row.batch_id,
        extensionId: row.extension_id,
        name: row.name,
        attempts: Number(row.attempts),
        remindedAt: row.reminded_at == null ? undefined : Number(row.reminded_at),
      };
    },
    async markReminded(id, owner, remindedAt) {
      const r = await db.updateTable('reminder_jobs').set({ reminded_at: remindedAt }).where('id', '=', id).where('owner', '=', owner).where('status', '=', 'claimed').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async release(id, owner, availableAt) {
      const r = await db
        .updateTable('reminder_jobs')
        .set((eb) => ({ status: 'pending', owner: null, lease_until: null, available_at: availableAt, attempts: eb('attempts', '-', 1) }))
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('status', '=', 'claimed')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async finish(id, owner, outcome, error, now) {
      const r = await db
        .updateTable('reminder_jobs')
        .set({ status: outcome, error: error ?? null, finished_at: now, lease_until: null })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('status', '=', 'claimed')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async progress(batchId) {
      const batch = await db.selectFrom('reminder_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
      if (!batch) return undefined;
      const counts = await db
        .selectFrom('reminder_jobs')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .where('batch_id', '=', batchId)
        .groupBy('status')
        .execute();
      const by = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
      const out: ReminderBatchProgress = {
        id: batch.id,
        chatId: batch.chat_id,
        requesterId: batch.requester_id,
        total: Number(batch.total),
        pending: by('pending') + by('claimed'),
        sent: by('sent'),
        skipped: by('skipped'),
        failed: by('failed'),
        reportedAt: batch.reported_at == null ? undefined : Number(batch.reported_at),
      };
      return out;
    },
    async claimReport(batchId, now) {
      const r = await db.updateTable('reminder_batches').set({ reported_at: now }).where('id', '=', batchId).where('reported_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async unfinished() {
      const row = await db
        .selectFrom('reminder_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'claimed'])
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
