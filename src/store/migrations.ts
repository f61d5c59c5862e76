/**
 * The numbered schema history for both databases, applied in order through Kysely. Each
 * migration is a list of statements written once, with `{ms}`, `{real}` and `{serial}`
 * standing for the dialect's column types. Applied versions are kept in `schema_migrations`
 * (the table the first, SQLite-only version used, so its files migrate forward).
 * Concurrency: on PostgreSQL the run holds a session advisory lock; on SQLite it runs inside
 * one `BEGIN IMMEDIATE` transaction. Either way three instances starting together apply each
 * version once.
 */
import { sql, type Kysely } from 'kysely';
import type { DB, Dialect } from './schema.ts';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  /** Statements for one dialect only, run after `statements`. */
  dialectStatements?: Partial<Record<Dialect, string[]>>;
}

/** The account every row belongs to until several installations are supported ("~" is RingCentral's "my account"). */
export const DEFAULT_ACCOUNT_ID = '~';

const ACCOUNT_TABLES = [
  'settings',
  'inbox',
  'user_tokens',
  'pending_authorizations',
  'chat_types',
  'audit_history',
  'audit_run_ledger',
  'audit_admin_chats',
  'audit_reminders',
  'audit_reminder_plans',
];

/** The schema history, oldest first; append new versions, never edit applied ones. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'settings, inbox, user tokens, pending authorizations, chat types',
    statements: [
      'CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
      `CREATE TABLE inbox (
        uuid TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','processing','done','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        received_at {ms} NOT NULL,
        available_at {ms} NOT NULL,
        finished_at {ms},
        last_error TEXT
      )`,
      'CREATE INDEX inbox_due ON inbox (status, available_at, received_at)',
      'CREATE TABLE user_tokens (extension_id TEXT PRIMARY KEY, sealed TEXT NOT NULL, updated_at {ms} NOT NULL)',
      `CREATE TABLE pending_authorizations (
        state TEXT PRIMARY KEY,
        extension_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at {ms} NOT NULL,
        expires_at {ms} NOT NULL
      )`,
      'CREATE INDEX pending_authorizations_extension ON pending_authorizations (extension_id)',
      'CREATE TABLE chat_types (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, updated_at {ms} NOT NULL)',
    ],
  },
  {
    version: 2,
    name: 'inbox lanes (light and heavy work are dispatched separately)',
    statements: [
      "ALTER TABLE inbox ADD COLUMN lane TEXT NOT NULL DEFAULT 'light'",
      'CREATE INDEX inbox_lane_due ON inbox (lane, status, available_at, received_at)',
    ],
  },
  {
    version: 3,
    name: 'audit tables inside the store (they were created on demand before)',
    statements: [
      `CREATE TABLE IF NOT EXISTS audit_history (
        id {serial},
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        duration_ms {ms} NOT NULL,
        api_calls INTEGER NOT NULL,
        extensions INTEGER NOT NULL,
        with_photo INTEGER NOT NULL,
        without_photo INTEGER NOT NULL,
        share_with_photo {real} NOT NULL,
        filter_json TEXT NOT NULL,
        missing_ids_json TEXT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS audit_run_ledger (
        scheduled_at {ms} PRIMARY KEY,
        instance_id TEXT NOT NULL,
        claimed_at {ms} NOT NULL,
        finished_at {ms},
        outcome TEXT,
        error TEXT
      )`,
      `CREATE TABLE IF NOT EXISTS audit_admin_chats (
        chat_id TEXT PRIMARY KEY,
        registered_by TEXT NOT NULL,
        registered_at {ms} NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS audit_reminders (
        extension_id TEXT PRIMARY KEY,
        last_reminded_at {ms},
        opted_out_at {ms}
      )`,
      `CREATE TABLE IF NOT EXISTS audit_reminder_plans (
        chat_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        created_at {ms} NOT NULL,
        people_json TEXT NOT NULL,
        PRIMARY KEY (chat_id, requester_id)
      )`,
    ],
  },
  {
    version: 4,
    name: 'several instances: inbox leases, identity dedupe, fair order; account ids; named leases',
    statements: [
      'ALTER TABLE inbox ADD COLUMN owner TEXT',
      'ALTER TABLE inbox ADD COLUMN lease_until {ms}',
      'ALTER TABLE inbox ADD COLUMN identity_key TEXT',
      "ALTER TABLE inbox ADD COLUMN fair_key TEXT NOT NULL DEFAULT ''",
      'ALTER TABLE inbox ADD COLUMN fair_rank {ms} NOT NULL DEFAULT 0',
      'CREATE UNIQUE INDEX inbox_identity ON inbox (identity_key)',
      // Claims go by fair rank (inbox_fair_due), pruning by finish time (inbox_finished).
      'DROP INDEX inbox_lane_due',
      'DROP INDEX inbox_due',
      'CREATE INDEX inbox_finished ON inbox (status, finished_at)',
      'CREATE INDEX inbox_fair_due ON inbox (lane, status, fair_rank, received_at)',
      'CREATE INDEX inbox_fair_key ON inbox (fair_key, status, fair_rank)',
      'CREATE INDEX inbox_lease ON inbox (status, lease_until)',
      `CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at {ms} NOT NULL,
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      ...ACCOUNT_TABLES.map((t) => `ALTER TABLE ${t} ADD COLUMN account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'`),
    ],
  },
  {
    version: 5,
    name: 'effects once: intent and result of each side effect, by a key derived from the event',
    statements: [
      `CREATE TABLE effects (
        effect_key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('intended','done')),
        intent_at {ms} NOT NULL,
        done_at {ms},
        detail TEXT,
        result_ref TEXT,
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      'CREATE INDEX effects_result ON effects (kind, result_ref)',
      'CREATE INDEX effects_intent ON effects (intent_at)',
    ],
  },
  {
    version: 6,
    name: 'chat progress: the newest post seen per chat (catch-up after a delivery gap)',
    statements: [
      `CREATE TABLE chat_progress (
        chat_id TEXT PRIMARY KEY,
        newest_post_id TEXT NOT NULL,
        newest_post_at {ms} NOT NULL,
        updated_at {ms} NOT NULL,
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      'CREATE INDEX chat_progress_newest ON chat_progress (newest_post_at)',
    ],
  },
  {
    version: 7,
    name: 'inbox counts kept by triggers (health reads them at any table size)',
    statements: [
      'CREATE TABLE inbox_counts (shard INTEGER NOT NULL, status TEXT NOT NULL, n {ms} NOT NULL, PRIMARY KEY (shard, status))',
      "INSERT INTO inbox_counts (shard, status, n) SELECT 0, status, COUNT(*) FROM inbox GROUP BY status",
    ],
    dialectStatements: {
      // One writer at a time: one shard, one row per status.
      sqlite: [
        "INSERT INTO inbox_counts (shard, status, n) SELECT 0, s.status, 0 FROM (SELECT 'pending' AS status UNION ALL SELECT 'processing' UNION ALL SELECT 'done' UNION ALL SELECT 'failed') s WHERE NOT EXISTS (SELECT 1 FROM inbox_counts c WHERE c.shard = 0 AND c.status = s.status)",
        `CREATE TRIGGER inbox_counts_insert AFTER INSERT ON inbox BEGIN
          UPDATE inbox_counts SET n = n + 1 WHERE shard = 0 AND status = NEW.status;
        END`,
        `CREATE TRIGGER inbox_counts_delete AFTER DELETE ON inbox BEGIN
          UPDATE inbox_counts SET n = n - 1 WHERE shard = 0 AND status = OLD.status;
        END`,
        `CREATE TRIGGER inbox_counts_update AFTER UPDATE OF status ON inbox WHEN OLD.status IS NOT NEW.status BEGIN
          UPDATE inbox_counts SET n = n - 1 WHERE shard = 0 AND status = OLD.status;
          UPDATE inbox_counts SET n = n + 1 WHERE shard = 0 AND status = NEW.status;
        END`,
      ],
      // Each connection counts in its own shard (its backend pid), so concurrent writers never
      // wait on each other's counter rows; readers sum the shards.
      postgres: [
        `CREATE FUNCTION inbox_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            INSERT INTO inbox_counts (shard, status, n) VALUES (pg_backend_pid(), OLD.status, -1)
              ON CONFLICT (shard, status) DO UPDATE SET n = inbox_counts.n - 1;
          END IF;
          IF TG_OP <> 'DELETE' THEN
            INSERT INTO inbox_counts (shard, status, n) VALUES (pg_backend_pid(), NEW.status, 1)
              ON CONFLICT (shard, status) DO UPDATE SET n = inbox_counts.n + 1;
          END IF;
          RETURN NULL;
        END $$`,
        'CREATE TRIGGER inbox_counts_insert_delete AFTER INSERT OR DELETE ON inbox FOR EACH ROW EXECUTE FUNCTION inbox_counts_change()',
        'CREATE TRIGGER inbox_counts_update AFTER UPDATE OF status ON inbox FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION inbox_counts_change()',
      ],
    },
  },
  {
    version: 8,
    name: 'singletons: shared rate grants (usage plan groups, reminders), durable reminder batches and jobs',
    statements: [
      `CREATE TABLE rate_grants (
        id {serial},
        key TEXT NOT NULL,
        granted_at {ms} NOT NULL,
        count INTEGER NOT NULL,
        instance_id TEXT NOT NULL,
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      'CREATE INDEX rate_grants_key ON rate_grants (key, granted_at)',
      `CREATE TABLE reminder_batches (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        total INTEGER NOT NULL,
        created_at {ms} NOT NULL,
        reported_at {ms},
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      `CREATE TABLE reminder_jobs (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        extension_id TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','claimed','sent','skipped','failed')),
        available_at {ms} NOT NULL,
        owner TEXT,
        lease_until {ms},
        attempts INTEGER NOT NULL DEFAULT 0,
        reminded_at {ms},
        error TEXT,
        finished_at {ms},
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      'CREATE INDEX reminder_jobs_due ON reminder_jobs (status, available_at, batch_id, seq)',
      'CREATE INDEX reminder_jobs_batch ON reminder_jobs (batch_id, status)',
    ],
  },
  {
    version: 9,
    name: 'durable audit jobs (a long audit runs outside the dispatcher, progress in the store)',
    statements: [
      `CREATE TABLE audit_jobs (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed')),
        owner TEXT,
        lease_until {ms},
        attempts INTEGER NOT NULL DEFAULT 0,
        pages_done INTEGER NOT NULL DEFAULT 0,
        pages_total INTEGER,
        extensions_done INTEGER NOT NULL DEFAULT 0,
        created_at {ms} NOT NULL,
        finished_at {ms},
        error TEXT,
        account_id TEXT NOT NULL DEFAULT '${DEFAULT_ACCOUNT_ID}'
      )`,
      'CREATE INDEX audit_jobs_due ON audit_jobs (status, lease_until, created_at)',
    ],
  },
  {
    version: 10,
    name: 'PostgreSQL inbox counts per statement, not per row (a bulk change is one counter update)',
    statements: [],
    dialectStatements: {
      // Per-row triggers updated a counter row once per inbox row: a prune of 1,000 rows, a claim
      // of a batch or a bulk load left that many dead versions of one row behind until vacuum,
      // and reading the counts slowed with them. Statement triggers see the changed rows in
      // transition tables and write one net change per status. (SQLite has only row triggers,
      // and no dead versions.)
      postgres: [
        'DROP TRIGGER inbox_counts_insert_delete ON inbox',
        'DROP TRIGGER inbox_counts_update ON inbox',
        'DROP FUNCTION inbox_counts_change()',
        `CREATE FUNCTION inbox_counts_add(changes_status TEXT[], changes_n BIGINT[]) RETURNS void LANGUAGE sql AS $$
          INSERT INTO inbox_counts (shard, status, n)
            SELECT pg_backend_pid(), c.status, c.n FROM unnest(changes_status, changes_n) AS c(status, n) WHERE c.n <> 0
          ON CONFLICT (shard, status) DO UPDATE SET n = inbox_counts.n + EXCLUDED.n
        $$`,
        `CREATE FUNCTION inbox_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM inbox_counts_add(array_agg(status), array_agg(n)) FROM (SELECT status, COUNT(*) AS n FROM new_rows GROUP BY status) c;
          RETURN NULL;
        END $$`,
        `CREATE FUNCTION inbox_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM inbox_counts_add(array_agg(status), array_agg(-n)) FROM (SELECT status, COUNT(*) AS n FROM old_rows GROUP BY status) c;
          RETURN NULL;
        END $$`,
        `CREATE FUNCTION inbox_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM inbox_counts_add(array_agg(status), array_agg(n)) FROM (
            SELECT status, SUM(d)::BIGINT AS n FROM (
              SELECT status, -1 AS d FROM old_rows UNION ALL SELECT status, 1 AS d FROM new_rows) t
            GROUP BY status) c;
          RETURN NULL;
        END $$`,
        'CREATE TRIGGER inbox_counts_insert AFTER INSERT ON inbox REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_inserted()',
        'CREATE TRIGGER inbox_counts_delete AFTER DELETE ON inbox REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_deleted()',
        'CREATE TRIGGER inbox_counts_update AFTER UPDATE ON inbox REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inbox_counts_updated()',
      ],
    },
  },
];

const TYPES: Record<Dialect, Record<string, string>> = {
  sqlite: { ms: 'INTEGER', real: 'REAL', serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { ms: 'BIGINT', real: 'DOUBLE PRECISION', serial: 'BIGSERIAL PRIMARY KEY' },
};

/** A statement with the dialect's types filled in. */
export function statementFor(dialect: Dialect, statement: string): string {
  return statement.replace(/\{(ms|real|serial)\}/g, (_, t: string) => TYPES[dialect][t]!);
}

/**
 * Takes SQLite's write lock for the whole run. The driver is synchronous, so its busy timeout
 * would block this thread while another connection of the same process holds the lock;
 * instead the timeout is off and BEGIN IMMEDIATE is retried asynchronously (for up to 60 s).
 */
async function beginImmediate(conn: Kysely<DB>): Promise<void> {
  const previous = (await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(conn)).rows[0]?.timeout ?? 5000;
  await sql.raw('PRAGMA busy_timeout = 0').execute(conn);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
      }
    }
  } finally {
    await sql.raw(`PRAGMA busy_timeout = ${Number(previous)}`).execute(conn);
  }
}

/** Arbitrary but fixed: the advisory lock key for migrations (PostgreSQL). */
const MIGRATION_LOCK_KEY = 7_284_011_903;

/**
 * Applies the migrations not yet recorded in `schema_migrations`; resolves the versions
 * applied by this call (empty when another instance did them). Rejects (after rolling the
 * failing version back) when a statement fails.
 */
export async function runMigrations(db: Kysely<DB>, dialect: Dialect, list: Migration[] = migrations): Promise<number[]> {
  return db.connection().execute(async (conn) => {
    if (dialect === 'postgres') await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    else await beginImmediate(conn);
    let failed = false;
    try {
      await sql
        .raw(statementFor(dialect, 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ms} NOT NULL)'))
        .execute(conn);
      const applied = new Set((await conn.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)));
      const done: number[] = [];
      for (const m of [...list].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        if (dialect === 'postgres') await sql`BEGIN`.execute(conn);
        try {
          for (const s of [...m.statements, ...(m.dialectStatements?.[dialect] ?? [])]) await sql.raw(statementFor(dialect, s)).execute(conn);
          await conn.insertInto('schema_migrations').values({ version: m.version, name: m.name, applied_at: Date.now() }).execute();
          if (dialect === 'postgres') await sql`COMMIT`.execute(conn);
        } catch (e) {
          if (dialect === 'postgres') await sql`ROLLBACK`.execute(conn);
          throw e;
        }
        done.push(m.version);
      }
      return done;
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      else await sql.raw(failed ? 'ROLLBACK' : 'COMMIT').execute(conn);
    }
  });
}
