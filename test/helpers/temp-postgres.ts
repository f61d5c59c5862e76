/**
 * A fresh, empty PostgreSQL database per test on the server TEST_DATABASE_URL names (default
 * postgres://postgres@127.0.0.1:5432/test), dropped by `cleanup()`. `postgresForTests()` says
 * whether the server answers; without it the PostgreSQL tests are skipped with one printed line,
 * unless REQUIRE_POSTGRES=1, which turns the skip into a failure.
 *
 * "Database" as the store sees it: a schema of its own in one shared database (`t_schemas`, made
 * once and kept), reached through a URL whose `options` set the connection's `search_path` to it.
 * Tables, functions and triggers of the migrations land in that schema, so tests never see each
 * other's rows. A schema costs a few milliseconds to make and drop; CREATE/DROP DATABASE cost
 * about half a second per test and were most of the time of the PostgreSQL store tests.
 * Schemas a killed test run left behind are dropped by a later run after a day.
 */
import crypto from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
/** The database that holds the tests' schemas. */
const SHARED_DATABASE = 't_schemas';
/** Leftover schemas older than this are dropped, ms. */
const LEFTOVER_AFTER_MS = 24 * 3_600_000;

function urlOf(database: string, schema?: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  if (schema) {
    url.searchParams.set('options', `-c search_path=${schema}`);
    // names its connections, so cleanup can close those a test left open (as DROP DATABASE … WITH (FORCE) did)
    url.searchParams.set('application_name', schema);
  }
  return url.toString();
}

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Resolves true when PostgreSQL answers; otherwise prints why and resolves false, or throws
 * when REQUIRE_POSTGRES=1 (CI must run these tests).
 */
export async function postgresForTests(): Promise<boolean> {
  try {
    await query(TEST_DATABASE_URL, 'SELECT 1');
    return true;
  } catch (e) {
    const why = `PostgreSQL tests skipped: ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} unreachable (${e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e)})`;
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`${why}, and REQUIRE_POSTGRES=1`);
    console.log(why);
    return false;
  }
}

let shared: Promise<void> | undefined;

/** Makes the shared database if it is not there yet (another test process may be making it too), and sweeps old leftovers. */
function sharedDatabase(): Promise<void> {
  shared ??= (async () => {
    try {
      await query(TEST_DATABASE_URL, `CREATE DATABASE ${SHARED_DATABASE}`);
    } catch (e) {
      // 42P04: it exists; 23505: another process made it at the same moment.
      const code = (e as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw e;
    }
    const old = await query(urlOf(SHARED_DATABASE), "SELECT nspname FROM pg_namespace WHERE nspname ~ '^t_[0-9]+_[0-9a-f]+$'");
    const cutoff = Date.now() - LEFTOVER_AFTER_MS;
    for (const { nspname } of old.rows as Array<{ nspname: string }>) {
      if (Number(nspname.split('_')[1]) < cutoff) await query(urlOf(SHARED_DATABASE), `DROP SCHEMA IF EXISTS ${nspname} CASCADE`).catch(() => undefined);
    }
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}

/** Creates an empty database (a schema of its own, see above); `url` points at it, `cleanup()` drops it (closing its connections). */
export async function tempPostgresDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  await sharedDatabase();
  const schema = `t_${Date.now()}_${crypto.randomBytes(6).toString('hex')}`;
  await query(urlOf(SHARED_DATABASE), `CREATE SCHEMA ${schema}`);
  const cleanup = async () => {
    await query(urlOf(SHARED_DATABASE), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${schema}' AND pid <> pg_backend_pid()`);
    await query(urlOf(SHARED_DATABASE), `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  };
  return { url: urlOf(SHARED_DATABASE, schema), cleanup };
}
