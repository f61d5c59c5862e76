/**
 * Shared rate budgets (table `rate_grants`): each grant is a row (key, time, count), and a
 * take adds one only while the grants counted in the sliding window leave room. The check and
 * the insert are one statement; on PostgreSQL it runs under a transaction-scoped advisory lock
 * on the key (READ COMMITTED would let two takes see the same sum), on SQLite the statement
 * holds the write lock and a busy answer is retried.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, Dialect } from './schema.ts';
import type { RateGrants } from './store.ts';

const PRUNE_EVERY = 200;
/** Rows older than this are deleted now and then (the longest window is RingCentral's 60 s). */
const KEEP_MS = 3_600_000;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Builds the RateGrants of one store; rows carry `instanceId` and `accountId`. */
export function createRateGrants(db: Kysely<DB>, dialect: Dialect, instanceId: string, accountId: string): RateGrants {
  let takes = 0;
  const least = dialect === 'postgres' ? 'LEAST' : 'MIN';

  async function insertGrant(conn: Kysely<DB>, key: string, want: number, limit: number, from: number, now: number): Promise<number> {
    const r = await sql<{ count: number }>`
      INSERT INTO rate_grants (key, granted_at, count, instance_id, account_id)
      SELECT ${key}, ${now}, ${sql.raw(least)}(${want}, ${limit} - u.used), ${instanceId}, ${accountId}
      FROM (SELECT COALESCE(SUM(count), 0) AS used FROM rate_grants WHERE key = ${key} AND granted_at > ${from}) u
      WHERE u.used < ${limit}
      RETURNING count`.execute(conn);
    return r.rows[0] ? Number(r.rows[0].count) : 0;
  }

  async function used(key: string, from: number): Promise<number> {
    const row = await db
      .selectFrom('rate_grants')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('used'))
      .where('key', '=', key)
      .where('granted_at', '>', from)
      .executeTakeFirst();
    return Number(row?.used ?? 0);
  }

  return {
    async take(key, want, limit, windowMs, validityMs, now) {
      const from = now - windowMs - validityMs;
      const count = Math.max(1, Math.floor(want));
      let granted = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          if (dialect === 'postgres') {
            granted = await db.transaction().execute(async (trx) => {
              await sql`SELECT pg_advisory_xact_lock(hashtext(${`rate:${key}`}))`.execute(trx);
              return insertGrant(trx, key, count, limit, from, now);
            });
          } else {
            granted = await insertGrant(db, key, count, limit, from, now);
          }
          break;
        } catch (e) {
          if (!isBusy(e) || attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        }
      }
      if (++takes % PRUNE_EVERY === 0) await db.deleteFrom('rate_grants').where('granted_at', '<', now - KEEP_MS).execute();
      if (granted > 0) return { granted };
      const oldest = await db
        .selectFrom('rate_grants')
        .select((eb) => eb.fn.min<number>('granted_at').as('oldest'))
        .where('key', '=', key)
        .where('granted_at', '>', from)
        .executeTakeFirst();
      const retryAt = oldest?.oldest == null ? now : Number(oldest.oldest) + windowMs + validityMs + 1;
      return { granted: 0, retryAt };
    },
    used(key, windowMs, validityMs, now) {
      return used(key, now - windowMs - validityMs);
    },
    async list(key) {
      const rows = await db.selectFrom('rate_grants').select(['granted_at', 'count', 'instance_id']).where('key', '=', key).orderBy('granted_at').orderBy('id').execute();
      return rows.map((r) => ({ grantedAt: Number(r.granted_at), count: Number(r.count), instanceId: r.instance_id }));
    },
  };
}
