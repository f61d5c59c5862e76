/**
 * The inbox on either database. Claims are one UPDATE … WHERE uuid = (SELECT … LIMIT 1)
 * statement; on PostgreSQL the inner SELECT takes `FOR UPDATE SKIP LOCKED`, so concurrent
 * claimers pass over each other's rows instead of waiting, and on SQLite the statement runs
 * under the database's single write lock. Fair order: each event gets a rank at accept time,
 * max(lowest pending rank of its lane, last unfinished rank of its fair key + 1); claims take
 * the lowest rank first, so keys take turns.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, Dialect, InboxTable } from './schema.ts';
import type { Inbox, InboxEvent, InboxLane, InboxSource, InboxStatus } from './store.ts';

export interface InboxOptions {
  instanceId: string;
  accountId: string;
  /** How long a claim holds without renewal, ms. */
  leaseMs: number;
}

const ERROR_MAX = 2000;

function toEvent(row: Selectable<InboxTable>): InboxEvent & { lastError?: string | undefined } {
  return {
    uuid: row.uuid,
    source: row.source as InboxSource,
    payload: JSON.parse(row.payload) as unknown,
    lane: row.lane as InboxLane,
    status: row.status as InboxStatus,
    attempts: Number(row.attempts),
    receivedAt: Number(row.received_at),
    owner: row.owner ?? undefined,
    leaseUntil: row.lease_until == null ? undefined : Number(row.lease_until),
    lastError: row.last_error ?? undefined,
  };
}

/** Builds the Inbox for one store instance. */
export function createInbox(db: Kysely<DB>, dialect: Dialect, o: InboxOptions): Inbox {
  const greatest = dialect === 'postgres' ? 'GREATEST' : 'MAX';

  async function claimWhere(now: number, lane: InboxLane | undefined, expired: boolean): Promise<InboxEvent | undefined> {
    let pick = db.selectFrom('inbox').select('uuid');
    if (lane) pick = pick.where('lane', '=', lane);
    pick = expired
      ? pick.where('status', '=', 'processing').where('lease_until', '<', now).orderBy('lease_until')
      : pick.where('status', '=', 'pending').where('available_at', '<=', now).orderBy('fair_rank').orderBy('received_at');
    pick = pick.limit(1);
    if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
    let update = db
      .updateTable('inbox')
      .set((eb) => ({ status: 'processing', attempts: eb('attempts', '+', 1), owner: o.instanceId, lease_until: now + o.leaseMs }))
      .where('uuid', '=', pick);
    update = expired ? update.where('status', '=', 'processing').where('lease_until', '<', now) : update.where('status', '=', 'pending');
    const row = await update.returningAll().executeTakeFirst();
    return row ? { ...toEvent(row), ...(expired ? { takenOver: true } : {}) } : undefined;
  }

  const owned = (uuid: string) => db.updateTable('inbox').where('uuid', '=', uuid).where('owner', '=', o.instanceId).where('status', '=', 'processing');

  return {
    async accept(event, now) {
      const lane = event.lane ?? 'light';
      const fairKey = event.fairKey ?? '';
      const rank = sql<number>`${sql.raw(greatest)}(
        COALESCE((SELECT MIN(fair_rank) FROM inbox WHERE lane = ${lane} AND status = 'pending'), 0),
        COALESCE((SELECT MAX(fair_rank) + 1 FROM inbox WHERE fair_key = ${fairKey} AND status IN ('pending', 'processing')), 0))`;
      const r = await db
        .insertInto('inbox')
        .values({
          uuid: event.uuid,
          account_id: o.accountId,
          source: event.source,
          payload: JSON.stringify(event.payload),
          lane,
          status: 'pending',
          attempts: 0,
          received_at: now,
          available_at: now,
          identity_key: event.identityKey ?? null,
          fair_key: fairKey,
          fair_rank: rank,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1 ? 'accepted' : 'duplicate';
    },
    async claimNext(now, lane) {
      return (await claimWhere(now, lane, true)) ?? (await claimWhere(now, lane, false));
    },
    async renewLease(uuid, now) {
      const r = await owned(uuid).set({ lease_until: now + o.leaseMs }).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async markDone(uuid, now) {
      const r = await owned(uuid).set({ status: 'done', finished_at: now, last_error: null, owner: null, lease_until: null }).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async markFailed(uuid, error, now, retryAt) {
      const set =
        retryAt === undefined
          ? { status: 'failed', finished_at: now, last_error: error.slice(0, ERROR_MAX), owner: null, lease_until: null }
          : { status: 'pending', available_at: retryAt, last_error: error.slice(0, ERROR_MAX), owner: null, lease_until: null };
      const r = await owned(uuid).set(set).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async counts() {
      const out: Record<InboxStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
      const rows = await db.selectFrom('inbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      for (const r of rows) out[r.status as InboxStatus] = Number(r.n);
      return out;
    },
    async prune(olderThan) {
      const r = await db.deleteFrom('inbox').where('status', 'in', ['done', 'failed']).where('finished_at', '<', olderThan).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async get(uuid) {
      const row = await db.selectFrom('inbox').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      return row ? toEvent(row) : undefined;
    },
    async countByFairKey(fairKey, from, to) {
      const row = await db
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('fair_key', '=', fairKey)
        .where('received_at', '>=', from)
        .where('received_at', '<=', to)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async findByPayload(fragment) {
      const rows = await db.selectFrom('inbox').selectAll().where('payload', 'like', `%${fragment}%`).orderBy('received_at').execute();
      return rows.map(toEvent);
    },
  };
}
