/**
 * Durable audit jobs (table `audit_jobs`): one row per requested audit, claimed by any instance
 * with a lease that the running audit renews with its progress. A job whose lease expired is
 * claimed again and starts from the first page. On PostgreSQL the claim's inner SELECT takes
 * `FOR UPDATE SKIP LOCKED`.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AuditJobsTable, DB, Dialect } from './schema.ts';
import type { AuditJobRow, AuditJobs } from './store.ts';

function toRow(r: Selectable<AuditJobsTable>): AuditJobRow {
  return {
    id: r.id,
    chatId: r.chat_id,
    requesterId: r.requester_id,
    status: r.status as AuditJobRow['status'],
    owner: r.owner ?? undefined,
    attempts: Number(r.attempts),
    pagesDone: Number(r.pages_done),
    pagesTotal: r.pages_total == null ? undefined : Number(r.pages_total),
    extensionsDone: Number(r.extensions_done),
    createdAt: Number(r.created_at),
    error: r.error ?? undefined,
  };
}

/** Builds the AuditJobs of one store; rows carry `accountId`. */
export function createAuditJobs(db: Kysely<DB>, dialect: Dialect, accountId: string): AuditJobs {
  return {
    async enqueue(job, now) {
      return db.transaction().execute(async (trx) => {
        const open = await trx.selectFrom('audit_jobs').selectAll().where('chat_id', '=', job.chatId).where('status', 'in', ['pending', 'running']).executeTakeFirst();
        if (open) return { job: toRow(open), created: false };
        const row = await trx
          .insertInto('audit_jobs')
          .values({ id: job.id, chat_id: job.chatId, requester_id: job.requesterId, status: 'pending', attempts: 0, pages_done: 0, extensions_done: 0, created_at: now, account_id: accountId })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { job: toRow(row), created: true };
      });
    },
    async claimNext(owner, now, leaseMs) {
      let pick = db
        .selectFrom('audit_jobs')
        .select('id')
        .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
        .orderBy('created_at')
        .limit(1);
      if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
      const row = await db
        .updateTable('audit_jobs')
        .set((eb) => ({ status: 'running', owner, lease_until: now + leaseMs, attempts: eb('attempts', '+', 1), pages_done: 0, pages_total: null, extensions_done: 0 }))
        .where('id', '=', pick)
        .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
        .returningAll()
        .executeTakeFirst();
      return row ? toRow(row) : undefined;
    },
    async progress(id, owner, now, leaseMs, p) {
      const r = await db
        .updateTable('audit_jobs')
        .set({ lease_until: now + leaseMs, ...(p ? { pages_done: p.pagesDone, pages_total: p.pagesTotal ?? null, extensions_done: p.extensionsDone } : {}) })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async finish(id, owner, status, error, now) {
      const r = await db
        .updateTable('audit_jobs')
        .set({ status, error: error ?? null, finished_at: now, lease_until: null })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async get(id) {
      const row = await db.selectFrom('audit_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRow(row) : undefined;
    },
  };
}
