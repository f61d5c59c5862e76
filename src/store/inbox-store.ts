/**
 * The inbox on either database. Claims are one UPDATE … WHERE uuid = (SELECT … LIMIT 1)
 * statement; on PostgreSQL the inner SELECT takes `FOR UPDATE SKIP LOCKED`, so concurrent
 * claimers pass over each other's rows instead of waiting, and on SQLite the statement runs
 * under the database's single write lock. Fair order: each event gets a rank at accept time,
 * max(lowest pending rank of its lane, last unfinished rank of its fair key + 1); claims take
 * the lowest rank first, so keys take turns.
 *
 * Throughput (docs/performance.md): accepts that arrive together are one multi-row INSERT (group
 * commit: queued, flushed on the next turn of the event loop, or as soon as the previous flush
 * finished), their fair ranks read first in one SELECT; completions are batched the same way
 * into one UPDATE; claims take several rows in one statement (claimBatch). Counts come from `inbox_counts`, kept by triggers
 * (migrations.ts, versions 7 and 10), so they cost the same at any table size. Pruning deletes in
 * bounded batches and yields to the event loop between them.
 */
import { CompiledQuery, sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { DB, Dialect, InboxTable } from './schema.ts';
import type { Inbox, InboxDelivery, InboxEvent, InboxLane, InboxSource, InboxStatus } from './store.ts';

export interface InboxOptions {
  instanceId: string;
  accountId: string;
  /** How long a claim holds without renewal, ms. */
  leaseMs: number;
}

const ERROR_MAX = 2000;
/** Rows a prune deletes per statement; the event loop runs between batches. */
export const PRUNE_BATCH = 1000;
/** Most accepts (one INSERT) or completions (one UPDATE) written in one statement. */
const MAX_BATCH = 256;
/** The columns an accept writes, in the order of its parameters (insertMany). */
const INSERT_COLUMNS = ['uuid', 'account_id', 'source', 'payload', 'lane', 'status', 'attempts', 'received_at', 'available_at', 'finished_at', 'identity_key', 'fair_key', 'fair_rank'] as const;

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Collects calls made close together and writes them with one `flush` call: queued calls are
 * flushed on the next turn of the event loop (setImmediate), or right after the flush in
 * progress finishes; one flush takes at most MAX_BATCH. `flush` resolves one result per item,
 * in order. If a batch of several throws, each of its items is flushed again on its own, so one
 * bad item (or a failure that has passed) fails only its own call, never its neighbours'.
 */
function batcher<T, R>(flush: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let queue: Array<Pending<T, R>> = [];
  let scheduled = false;
  let running = false;
  const run = async () => {
    scheduled = false;
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(batch.length);
    try {
      const results = await flush(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1) batch[0]!.reject(e);
      else {
        for (const b of batch) {
          try {
            b.resolve((await flush([b.item]))[0]!);
          } catch (alone) {
            b.reject(alone);
          }
        }
      }
    } finally {
      running = false;
      if (queue.length > 0) schedule();
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void run());
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) schedule();
    });
}

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
  /**
   * PostgreSQL: the counter rows of connections that have closed (their backend pid is no longer
   * in pg_stat_activity) are added into shard 0 and deleted, so the table stays as small as the
   * number of live connections however often instances restart. The sums don't change.
   */
  const foldClosedConnectionCounts = async () => {
    await sql`WITH closed AS (
        DELETE FROM inbox_counts WHERE shard <> 0 AND shard NOT IN (SELECT pid FROM pg_stat_activity) RETURNING status, n)
      INSERT INTO inbox_counts (shard, status, n) SELECT 0, status, SUM(n) FROM closed GROUP BY status
      ON CONFLICT (shard, status) DO UPDATE SET n = inbox_counts.n + EXCLUDED.n`.execute(db);
  };

  // PostgreSQL may run an `IN (SELECT … LIMIT n)` subquery once per outer row (a semi-join
  // rescan), taking more than n rows; `= ANY(ARRAY(…))` runs it exactly once.
  const uuidIn = (pick: SelectQueryBuilder<DB, 'inbox', { uuid: string }>) =>
    dialect === 'postgres' ? sql<boolean>`uuid = ANY(ARRAY(${pick}))` : sql<boolean>`uuid IN (${pick})`;

  async function claimManyWhere(now: number, lane: InboxLane | undefined, expired: boolean, max: number): Promise<InboxEvent[]> {
    if (max <= 0) return [];
    let pick = db.selectFrom('inbox').select('uuid');
    if (lane) pick = pick.where('lane', '=', lane);
    pick = expired
      ? pick.where('status', '=', 'processing').where('lease_until', '<', now).orderBy('lease_until')
      : pick.where('status', '=', 'pending').where('available_at', '<=', now).orderBy('fair_rank').orderBy('received_at');
    pick = pick.limit(max);
    if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
    let update = db
      .updateTable('inbox')
      .set((eb) => ({ status: 'processing', attempts: eb('attempts', '+', 1), owner: o.instanceId, lease_until: now + o.leaseMs }))
      .where(uuidIn(pick));
    update = expired ? update.where('status', '=', 'processing').where('lease_until', '<', now) : update.where('status', '=', 'pending');
    const rows = await update.returningAll().execute();
    rows.sort((a, b) => Number(a.fair_rank) - Number(b.fair_rank) || Number(a.received_at) - Number(b.received_at));
    return rows.map((row) => ({ ...toEvent(row), ...(expired ? { takenOver: true } : {}) }));
  }

  async function claimBatch(now: number, lane: InboxLane | undefined, max: number): Promise<InboxEvent[]> {
    const taken = await claimManyWhere(now, lane, true, max);
    const fresh = taken.length < max ? await claimManyWhere(now, lane, false, max - taken.length) : [];
    return [...taken, ...fresh];
  }

  /**
   * Fair ranks for events that need work, in order: max(lowest pending rank of the lane, last
   * unfinished rank of the fair key + 1), each later event seeing the ones before it. One SELECT
   * of one indexed MIN/MAX subquery per lane and per key (inbox_fair_due, inbox_fair_key).
   */
  async function fairRanks(db: Kysely<DB>, events: InboxDelivery[]): Promise<number[]> {
    if (events.length === 0) return [];
    const lanes = [...new Set(events.map((e) => e.lane ?? 'light'))];
    const keys = [...new Set(events.map((e) => e.fairKey ?? ''))];
    const lookups = [
      ...lanes.map((lane) => sql`(SELECT MIN(fair_rank) FROM inbox WHERE lane = ${lane} AND status = 'pending')`),
      ...keys.map((key) => sql`(SELECT MAX(fair_rank) FROM inbox WHERE fair_key = ${key} AND status IN ('pending', 'processing'))`),
    ];
    const { rows } = await sql<Record<string, unknown>>`SELECT ${sql.join(lookups.map((q, i) => sql`${q} AS ${sql.raw(`r${i}`)}`))}`.execute(db);
    const found = (i: number) => (rows[0]?.[`r${i}`] == null ? undefined : Number(rows[0][`r${i}`]));
    const lowestPending = new Map(lanes.map((lane, i) => [lane, found(i)]));
    const lastOfKey = new Map(keys.map((key, i) => [key, found(lanes.length + i)]));
    return events.map((e) => {
      const lane = e.lane ?? 'light';
      const key = e.fairKey ?? '';
      const last = lastOfKey.get(key);
      const rank = Math.max(lowestPending.get(lane) ?? 0, last === undefined ? 0 : last + 1);
      if (lowestPending.get(lane) === undefined) lowestPending.set(lane, rank);
      lastOfKey.set(key, Math.max(last ?? rank, rank));
      return rank;
    });
  }

  /**
   * The accept statement for `n` rows: INSERT … VALUES (…) × n ON CONFLICT DO NOTHING RETURNING
   * uuid. Written as text once per row count: it is the one statement every delivery runs, and
   * building it with Kysely cost more per row than running it (docs/performance.md).
   */
  const insertTexts = new Map<number, string>();
  function insertText(n: number): string {
    let text = insertTexts.get(n);
    if (text === undefined) {
      let p = 0;
      const row = () => `(${INSERT_COLUMNS.map(() => (dialect === 'postgres' ? `$${++p}` : '?')).join(', ')})`;
      text = `INSERT INTO inbox (${INSERT_COLUMNS.join(', ')}) VALUES ${Array.from({ length: n }, row).join(', ')} ON CONFLICT DO NOTHING RETURNING uuid`;
      insertTexts.set(n, text);
    }
    return text;
  }

  /**
   * Inserts `items` in one statement (with their fair ranks looked up first when any needs work)
   * and says, per item, whether it was stored: a uuid or identity key seen before, or earlier in
   * the same batch, is a duplicate. Repeats within the batch are left out of the statement (and
   * of the ranks: a dropped row must not move the ones after it), the first one kept.
   */
  async function insertMany(db: Kysely<DB>, batch: Array<{ event: InboxDelivery; now: number }>): Promise<Array<'accepted' | 'duplicate'>> {
    const seen = new Set<string>();
    const items = batch.filter(({ event }) => {
      const keys = [`u:${event.uuid}`, ...(event.identityKey === undefined ? [] : [`i:${event.identityKey}`])];
      if (keys.some((k) => seen.has(k))) return false;
      for (const k of keys) seen.add(k);
      return true;
    });
    const work = items.filter((i) => i.event.needsNoWork !== true);
    const ranks = await fairRanks(db, work.map((i) => i.event));
    const rankOf = new Map(work.map((item, i) => [item, ranks[i]!]));
    const params: unknown[] = [];
    for (const item of items) {
      const { event, now } = item;
      // An event that needs no work is kept as done at once: its uuid and identity still deduplicate.
      // It has no fair key: fair order and flood counts are about posts to the bot.
      const done = event.needsNoWork === true;
      params.push(
        event.uuid,
        o.accountId,
        event.source,
        JSON.stringify(event.payload),
        event.lane ?? 'light',
        done ? 'done' : 'pending',
        0,
        now,
        now,
        done ? now : null,
        event.identityKey ?? null,
        done ? '' : (event.fairKey ?? ''),
        rankOf.get(item) ?? 0,
      );
    }
    const { rows } = await db.executeQuery<{ uuid: string }>(CompiledQuery.raw(insertText(items.length), params));
    const stored = new Set(rows.map((r) => r.uuid));
    const inserted = new Set(items.filter((i) => stored.has(i.event.uuid)));
    return batch.map((i) => (inserted.has(i) ? 'accepted' : 'duplicate'));
  }

  // One INSERT per batch is atomic on its own. The rank lookup before it is not in a transaction
  // with it: a claim or completion in between can leave a rank slightly off either way (that
  // event is claimed a little sooner or later), as concurrent instances could anyway. A row
  // already in the table that the INSERT skips still took its rank: the rest of its key's batch
  // then has a gap, which only makes that key's later events wait a turn.
  const acceptBatched = batcher<{ event: InboxDelivery; now: number }, 'accepted' | 'duplicate'>((items) => insertMany(db, items));

  const doneBatched = batcher<{ uuid: string; now: number }, boolean>(async (items) => {
    const at = Math.max(...items.map((i) => i.now));
    const rows = await db
      .updateTable('inbox')
      .set({ status: 'done', finished_at: at, last_error: null, owner: null, lease_until: null })
      .where('uuid', 'in', items.map((i) => i.uuid))
      .where('owner', '=', o.instanceId)
      .where('status', '=', 'processing')
      .returning('uuid')
      .execute();
    const updated = new Set(rows.map((r) => r.uuid));
    return items.map((i) => updated.has(i.uuid));
  });

  const owned = (uuid: string) => db.updateTable('inbox').where('uuid', '=', uuid).where('owner', '=', o.instanceId).where('status', '=', 'processing');

  return {
    accept(event, now) {
      return acceptBatched({ event, now });
    },
    claimBatch,
    async claimNext(now, lane) {
      return (await claimBatch(now, lane, 1))[0];
    },
    async renewLease(uuid, now) {
      const r = await owned(uuid).set({ lease_until: now + o.leaseMs }).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    markDone(uuid, now) {
      return doneBatched({ uuid, now });
    },
    async markFailed(uuid, error, now, retryAt) {
      const set =
        retryAt === undefined
          ? { status: 'failed', finished_at: now, last_error: error.slice(0, ERROR_MAX), owner: null, lease_until: null }
          : { status: 'pending', available_at: retryAt, last_error: error.slice(0, ERROR_MAX), owner: null, lease_until: null };
      const r = await owned(uuid).set(set).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async release(uuids, now) {
      if (uuids.length === 0) return [];
      const rows = await db
        .updateTable('inbox')
        .set((eb) => ({
          status: 'pending',
          available_at: now,
          owner: null,
          lease_until: null,
          // the claim counted one attempt (claims only ever add one to a processing row)
          attempts: eb('attempts', '-', 1),
        }))
        .where('uuid', 'in', uuids)
        .where('owner', '=', o.instanceId)
        .where('status', '=', 'processing')
        .returning('uuid')
        .execute();
      return rows.map((r) => r.uuid);
    },
    async counts() {
      const out: Record<InboxStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
      const rows = await db.selectFrom('inbox_counts').select(['status', (eb) => eb.fn.sum<number>('n').as('n')]).groupBy('status').execute();
      for (const r of rows) if (r.status in out) out[r.status as InboxStatus] = Number(r.n);
      return out;
    },
    async prune(olderThan) {
      let total = 0;
      for (;;) {
        const batch = db
          .selectFrom('inbox')
          .select('uuid')
          .where('status', 'in', ['done', 'failed'])
          .where('finished_at', '<', olderThan)
          .limit(PRUNE_BATCH);
        const r = await db.deleteFrom('inbox').where(uuidIn(batch)).executeTakeFirst();
        const n = Number(r.numDeletedRows);
        total += n;
        if (n < PRUNE_BATCH) {
          if (dialect === 'postgres') await foldClosedConnectionCounts();
          return total;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
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
