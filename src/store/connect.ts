/**
 * From a DATABASE_URL to a Kysely instance: `file:<path>` (or `:memory:`) selects SQLite over
 * better-sqlite3, `postgres://` / `postgresql://` select PostgreSQL over a `pg` pool. The
 * first connection is retried with backoff for a bounded time; then one line names
 * DATABASE_URL (password removed) and the cause. Each driver is loaded only when its dialect
 * is used: a SQLite deployment never loads `pg`, nor a PostgreSQL one better-sqlite3
 * (docs/performance.md, idle memory).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import type { DB, Dialect } from './schema.ts';

export interface ConnectOptions {
  /** PostgreSQL pool size (DATABASE_POOL_SIZE, default 10). */
  poolSize?: number | undefined;
  /** How long the first connection is retried, ms (default 30 000). */
  connectTimeoutMs?: number | undefined;
}

export interface Connection {
  db: Kysely<DB>;
  dialect: Dialect;
  /** The SQLite file (undefined for PostgreSQL and `:memory:`). */
  file?: string | undefined;
}

/** The database is unreachable or the URL is unusable; the message is one line without secrets. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** Which dialect a DATABASE_URL selects; undefined for unsupported schemes. */
export function dialectOf(databaseUrl: string): Dialect | undefined {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  return undefined;
}

/**
 * The URL with its passwords replaced by `***` (for messages and logs): the `user:password@`
 * part and query parameters whose name holds "password" (`password=`, `sslpassword=`, which
 * the pg driver also reads).
 */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (/password/i.test(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return databaseUrl.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@').replace(/([?&][^=&]*password[^=&]*=)[^&]*/gi, '$1***');
  }
}

/**
 * Opens the database a DATABASE_URL names and checks it answers, retrying with exponential
 * backoff (250 ms doubling, at most 5 s apart) until `connectTimeoutMs`.
 * Throws DatabaseUnavailableError (one line naming DATABASE_URL) when that fails.
 */
export async function connect(databaseUrl: string, options: ConnectOptions = {}): Promise<Connection> {
  const dialect = dialectOf(databaseUrl);
  if (!dialect) throw new DatabaseUnavailableError(`DATABASE_URL scheme not supported: ${databaseUrl.split(':')[0]} (use file:, postgres:// or postgresql://)`);
  const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
  let delay = 250;
  for (;;) {
    let conn: Connection | undefined;
    try {
      conn = dialect === 'sqlite' ? await openSqlite(databaseUrl.slice('file:'.length)) : await openPostgres(databaseUrl, options.poolSize ?? 10);
      await sql`SELECT 1`.execute(conn.db);
      return conn;
    } catch (e) {
      await conn?.db.destroy().catch(() => undefined);
      const cause = e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
      if (Date.now() + delay > deadline || dialect === 'sqlite') {
        throw new DatabaseUnavailableError(`could not open the database at DATABASE_URL=${redactDatabaseUrl(databaseUrl)}: ${cause}`.replace(/\s+/g, ' '));
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(5000, delay * 2);
    }
  }
}

async function openSqlite(file: string): Promise<Connection> {
  const { default: Database } = await import('better-sqlite3');
  let resolved: string | undefined;
  if (file !== ':memory:') {
    resolved = path.resolve(file);
    const dir = path.dirname(resolved);
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it; its -wal and -shm files copy these permissions. A file
    // that already exists with wider permissions (copied in, made by hand) is narrowed to 0600:
    // it holds encrypted tokens and people's pending requests.
    fs.closeSync(fs.openSync(resolved, 'a', 0o600));
    for (const f of [resolved, `${resolved}-wal`, `${resolved}-shm`]) {
      try {
        if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
      } catch {
        // missing -wal/-shm, or not ours to change: SQLite opens it as it is
      }
    }
  }
  const database = new Database(file, { timeout: 5000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Checkpoints run on a worker thread every 100 ms (wal-checkpointer.ts). The automatic one runs
  // inside a commit on this thread past 2,000 frames (8 MB); it finds all but the last ~100 ms
  // already copied, and is what lets the WAL start over under writes that never pause.
  database.pragma('wal_autocheckpoint = 2000');
  database.pragma('foreign_keys = ON');
  return { db: new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), dialect: 'sqlite', file: resolved };
}

/** Most prepared statements kept per SQLite connection. */
const STATEMENT_CACHE_SIZE = 500;
/**
 * Longer SQL texts are prepared each time, not kept: the accept path's multi-row INSERTs (one text
 * per row count, up to 256 rows) would otherwise hold hundreds of large statements. Past this
 * length an INSERT carries 45 rows or more, so preparing it is shared among them.
 */
const MAX_CACHED_SQL_CHARS = 2000;

/**
 * `database` whose `prepare` returns the statement prepared before for the same SQL text.
 * Kysely's SQLite driver prepares every query it runs; preparing took ~7 % of the main thread
 * at 1,500 deliveries/s (docs/performance.md). better-sqlite3 statements are reusable, and
 * the driver runs one query at a time on its single connection, so sharing one is safe.
 * Least recently used statements are dropped past STATEMENT_CACHE_SIZE; texts longer than
 * MAX_CACHED_SQL_CHARS are not kept.
 */
export function withStatementCache<S>(database: { prepare(sql: string): S; close(): unknown }): { prepare(sql: string): S; close(): void } {
  const cache = new Map<string, S>();
  return {
    prepare(text) {
      if (text.length > MAX_CACHED_SQL_CHARS) return database.prepare(text);
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = database.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      } else cache.delete(text);
      cache.set(text, statement);
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}

/** libpq's sslmode, as Heroku and managed PostgreSQL services put it in the URL. */
function sslFor(mode: string | null): pg.PoolConfig['ssl'] {
  switch (mode) {
    case null:
    case 'disable':
      return undefined;
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      // allow, prefer, require, no-verify: encrypted, certificate not checked (libpq's meaning of "require").
      return { rejectUnauthorized: false };
  }
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Connection> {
  const { default: pg } = await import('pg');
  const url = new URL(databaseUrl);
  const ssl = sslFor(url.searchParams.get('sslmode'));
  url.searchParams.delete('sslmode');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: poolSize,
    ...(ssl ? { ssl } : {}),
    // BIGINT (ms timestamps, ranks) and COUNT(*) come back as numbers; they stay below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => undefined); // idle client errors surface on the next query instead
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}
