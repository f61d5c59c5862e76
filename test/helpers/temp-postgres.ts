/**
 * A fresh PostgreSQL database per test file on the server TEST_DATABASE_URL names (default
 * postgres://postgres@127.0.0.1:5432/test), dropped by `cleanup()`. `postgresForTests()`
 * says whether the server answers; without it the PostgreSQL tests are skipped with one
 * printed line, unless REQUIRE_POSTGRES=1, which turns the skip into a failure.
 */
import crypto from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(text);
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
    await adminQuery('SELECT 1');
    return true;
  } catch (e) {
    const why = `PostgreSQL tests skipped: ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} unreachable (${e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e)})`;
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`${why}, and REQUIRE_POSTGRES=1`);
    console.log(why);
    return false;
  }
}

/** Creates an empty database; `url` points at it, `cleanup()` drops it (closing its connections). */
export async function tempPostgresDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), cleanup: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
