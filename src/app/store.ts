/**
 * Step "store": open the store (migrations run on open) and keep it tidy while the bot runs.
 */
import type { Logger } from '../logger.ts';
import type { Config } from '../config.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';

/** How long finished inbox events are kept (their uuids deduplicate redeliveries), ms. */
export const INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;
const HOUSEKEEPING_EVERY_MS = 3600 * 1000;

/**
 * Opens the store at DATABASE_URL (SQLite or PostgreSQL; retried with backoff while the
 * database is unreachable). Throws DatabaseUnavailableError when it stays unreachable, or the
 * driver's error when a migration fails.
 */
export function openBotStore(config: Config): Promise<Store> {
  return openStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    leaseMs: config.inboxLeaseSeconds * 1000,
  });
}

/**
 * Tidies the store now and then every hour (unref'd timer); returns the function that stops it.
 */
export function startHousekeeping(store: Store, now: () => number, logger: Logger): () => void {
  const timer = setInterval(() => void tidyStore(store, now(), logger), HOUSEKEEPING_EVERY_MS);
  timer.unref();
  void tidyStore(store, now(), logger);
  return () => clearInterval(timer);
}

/**
 * Deletes finished inbox events past the retention, effect records as old (their event can no
 * longer be retried) and expired sign-in requests. Never throws.
 */
async function tidyStore(store: Store, now: number, logger: Logger): Promise<void> {
  try {
    const events = await store.inbox.prune(now - INBOX_RETENTION_MS);
    const effects = await store.effects.prune(now - INBOX_RETENTION_MS);
    const authorizations = await store.pruneExpiredAuthorizations(now);
    if (events + effects + authorizations > 0) logger.info({ events, effects, authorizations }, 'store tidied');
  } catch (e) {
    logger.error({ err: e }, 'store housekeeping failed');
  }
}
