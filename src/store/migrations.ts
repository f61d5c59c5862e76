/**
 * Numbered schema migrations for the SQLite store. Each runs once, in order, in its own
 * transaction; applied versions are kept in `schema_migrations`.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The schema history, oldest first; append new versions, never edit applied ones. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'settings, inbox, user tokens, pending authorizations, chat types',
    sql: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE inbox (
        uuid TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','processing','done','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        received_at INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        finished_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX inbox_due ON inbox (status, available_at, received_at);
      CREATE TABLE user_tokens (extension_id TEXT PRIMARY KEY, sealed TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE pending_authorizations (
        state TEXT PRIMARY KEY,
        extension_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX pending_authorizations_extension ON pending_authorizations (extension_id);
      CREATE TABLE chat_types (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, updated_at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'inbox lanes (light and heavy work are dispatched separately)',
    sql: `
      ALTER TABLE inbox ADD COLUMN lane TEXT NOT NULL DEFAULT 'light';
      CREATE INDEX inbox_lane_due ON inbox (lane, status, available_at, received_at);
    `,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`; returns the versions applied.
 * Throws (and rolls that migration back) when a statement fails.
 */
export function runMigrations(db: Database.Database, list: Migration[] = migrations): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const done: number[] = [];
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    done.push(m.version);
  }
  return done;
}
