/**
 * The tables as Kysely sees them (column names as stored). Times are ms since epoch
 * (BIGINT on PostgreSQL, INTEGER on SQLite; both read back as numbers).
 */
import type { Generated } from 'kysely';

export interface InboxTable {
  uuid: string;
  account_id: string;
  source: string;
  payload: string;
  lane: string;
  status: string;
  attempts: number;
  received_at: number;
  available_at: number;
  finished_at: number | null;
  last_error: string | null;
  identity_key: string | null;
  fair_key: string;
  fair_rank: number;
  owner: string | null;
  lease_until: number | null;
}

/** Inbox rows per status, kept by triggers; one row per (shard, status), summed when read. */
export interface InboxCountsTable {
  shard: number;
  status: string;
  n: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  account_id: string;
}

export interface UserTokensTable {
  extension_id: string;
  sealed: string;
  updated_at: number;
  account_id: string;
}

export interface PendingAuthorizationsTable {
  state: string;
  extension_id: string;
  chat_id: string;
  code_verifier: string;
  request: string;
  created_at: number;
  expires_at: number;
  account_id: string;
}

export interface ChatTypesTable {
  chat_id: string;
  type: string;
  updated_at: number;
  account_id: string;
}

export interface AuditHistoryTable {
  id: Generated<number>;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  api_calls: number;
  extensions: number;
  with_photo: number;
  without_photo: number;
  share_with_photo: number;
  filter_json: string;
  missing_ids_json: string;
  account_id: string;
}

export interface AuditRunLedgerTable {
  scheduled_at: number;
  instance_id: string;
  claimed_at: number;
  finished_at: number | null;
  outcome: string | null;
  error: string | null;
  account_id: string;
}

export interface AuditAdminChatsTable {
  chat_id: string;
  registered_by: string;
  registered_at: number;
  account_id: string;
}

export interface AuditRemindersTable {
  extension_id: string;
  last_reminded_at: number | null;
  opted_out_at: number | null;
  account_id: string;
}

export interface AuditReminderPlansTable {
  chat_id: string;
  requester_id: string;
  created_at: number;
  people_json: string;
  account_id: string;
}

export interface LeasesTable {
  name: string;
  owner: string;
  expires_at: number;
  account_id: string;
}

export interface EffectsTable {
  effect_key: string;
  kind: string;
  scope: string;
  status: string;
  intent_at: number;
  done_at: number | null;
  detail: string | null;
  result_ref: string | null;
  account_id: string;
}

export interface ChatProgressTable {
  chat_id: string;
  newest_post_id: string;
  newest_post_at: number;
  updated_at: number;
  account_id: string;
}

export interface RateGrantsTable {
  id: Generated<number>;
  key: string;
  granted_at: number;
  count: number;
  instance_id: string;
  account_id: string;
}

export interface ReminderBatchesTable {
  id: string;
  chat_id: string;
  requester_id: string;
  total: number;
  created_at: number;
  reported_at: number | null;
  account_id: string;
}

export interface ReminderJobsTable {
  id: string;
  batch_id: string;
  seq: number;
  extension_id: string;
  name: string;
  status: string;
  available_at: number;
  owner: string | null;
  lease_until: number | null;
  attempts: number;
  reminded_at: number | null;
  error: string | null;
  finished_at: number | null;
  account_id: string;
}

export interface AuditJobsTable {
  id: string;
  chat_id: string;
  requester_id: string;
  status: string;
  owner: string | null;
  lease_until: number | null;
  attempts: number;
  pages_done: number;
  pages_total: number | null;
  extensions_done: number;
  created_at: number;
  finished_at: number | null;
  error: string | null;
  account_id: string;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface DB {
  inbox: InboxTable;
  inbox_counts: InboxCountsTable;
  settings: SettingsTable;
  user_tokens: UserTokensTable;
  pending_authorizations: PendingAuthorizationsTable;
  chat_types: ChatTypesTable;
  audit_history: AuditHistoryTable;
  audit_run_ledger: AuditRunLedgerTable;
  audit_admin_chats: AuditAdminChatsTable;
  audit_reminders: AuditRemindersTable;
  audit_reminder_plans: AuditReminderPlansTable;
  leases: LeasesTable;
  effects: EffectsTable;
  chat_progress: ChatProgressTable;
  rate_grants: RateGrantsTable;
  reminder_batches: ReminderBatchesTable;
  reminder_jobs: ReminderJobsTable;
  audit_jobs: AuditJobsTable;
  schema_migrations: SchemaMigrationsTable;
}

/** Which database a DATABASE_URL selected. */
export type Dialect = 'sqlite' | 'postgres';
