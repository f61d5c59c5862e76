/**
 * Side effects recorded around the act (table `effects`): the intent before, the result after,
 * under a key derived from the event (events/effects-once.ts). A retry reads the record to
 * learn whether the effect may already have happened.
 */
import type { Kysely } from 'kysely';
import type { DB, EffectsTable } from './schema.ts';
import type { EffectRecord, Effects } from './store.ts';

function toRecord(row: EffectsTable): EffectRecord {
  return {
    key: row.effect_key,
    kind: row.kind,
    scope: row.scope,
    status: row.status === 'done' ? 'done' : 'intended',
    intentAt: Number(row.intent_at),
    doneAt: row.done_at === null ? undefined : Number(row.done_at),
    detail: row.detail === null ? undefined : (JSON.parse(row.detail) as unknown),
    resultRef: row.result_ref ?? undefined,
  };
}

/** Builds the Effects for a database; rows carry `accountId`. */
export function createEffects(db: Kysely<DB>, accountId: string): Effects {
  return {
    async intend(e, now) {
      const inserted = await db
        .insertInto('effects')
        .values({
          effect_key: e.key,
          kind: e.kind,
          scope: e.scope,
          status: 'intended',
          intent_at: now,
          detail: e.detail === undefined ? null : JSON.stringify(e.detail),
          account_id: accountId,
        })
        .onConflict((oc) => oc.column('effect_key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return undefined;
      const row = await db.selectFrom('effects').selectAll().where('effect_key', '=', e.key).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async complete(key, resultRef, now) {
      await db.updateTable('effects').set({ status: 'done', done_at: now, result_ref: resultRef ?? null }).where('effect_key', '=', key).execute();
    },
    async get(key) {
      const row = await db.selectFrom('effects').selectAll().where('effect_key', '=', key).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async takenRefs(kind, refs) {
      if (refs.length === 0) return [];
      const rows = await db.selectFrom('effects').select('result_ref').where('kind', '=', kind).where('result_ref', 'in', [...refs]).execute();
      return rows.map((r) => r.result_ref).filter((r): r is string => r !== null);
    },
    async prune(olderThan) {
      return Number((await db.deleteFrom('effects').where('intent_at', '<', olderThan).executeTakeFirst()).numDeletedRows);
    },
  };
}
