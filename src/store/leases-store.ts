/**
 * Named leases (table `leases`): one holder per name across instances, for singleton work.
 * Acquire is one upsert whose update applies only when the lease is expired or already ours.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Leases } from './store.ts';

/** Builds the Leases for a database; rows carry `accountId`. */
export function createLeases(db: Kysely<DB>, accountId: string): Leases {
  return {
    async acquire(name, owner, now, ttlMs) {
      const r = await db
        .insertInto('leases')
        .values({ name, owner, expires_at: now + ttlMs, account_id: accountId })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({ owner: eb.ref('excluded.owner'), expires_at: eb.ref('excluded.expires_at') }))
            .where((eb) => eb.or([eb('leases.expires_at', '<', now), eb('leases.owner', '=', owner)])),
        )
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async release(name, owner) {
      await db.deleteFrom('leases').where('name', '=', name).where('owner', '=', owner).execute();
    },
    async holder(name, now) {
      const row = await db.selectFrom('leases').select('owner').where('name', '=', name).where('expires_at', '>=', now).executeTakeFirst();
      return row?.owner;
    },
  };
}
