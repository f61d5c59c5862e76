import type BetterSqlite3 from 'better-sqlite3';

/** A chat that receives the scheduled audit report. */
export interface AdminChat {
  chatId: string;
  /** `chat` when registered with `send audit reports here`, `setting` when listed in ADMIN_CHAT_IDS. */
  source: 'chat' | 'setting';
  /** Extension id of the admin who registered it (source `chat` only). */
  registeredBy?: string | undefined;
  /** ms since epoch (source `chat` only). */
  registeredAt?: number | undefined;
}

interface AdminChatRow {
  chat_id: string;
  registered_by: string;
  registered_at: number;
}

/**
 * The chats that get scheduled audit reports: those registered in chat (table
 * `audit_admin_chats` in the bot's SQLite database, created if missing) plus the fixed list
 * of the ADMIN_CHAT_IDS setting. Chat ids are decimal strings.
 */
export class AdminChatRegistry {
  private readonly fixed: readonly string[];

  /**
   * In: the store's open better-sqlite3 Database and the ADMIN_CHAT_IDS list.
   * Throws SqliteError when the table can't be created.
   */
  constructor(
    private readonly db: BetterSqlite3.Database,
    fixedChatIds: readonly string[] = [],
  ) {
    this.fixed = Object.freeze([...new Set(fixedChatIds.map(String))]);
    db.exec(`CREATE TABLE IF NOT EXISTS audit_admin_chats (
      chat_id TEXT PRIMARY KEY,
      registered_by TEXT NOT NULL,
      registered_at INTEGER NOT NULL
    )`);
  }

  /** Whether `chatId` is listed in ADMIN_CHAT_IDS (such a chat can't be unregistered in chat). */
  isFixed(chatId: string): boolean {
    return this.fixed.includes(chatId);
  }

  /** Registers a chat; resolves `false` when it was already registered in chat. */
  async register(chatId: string, registeredBy: string, at: number = Date.now()): Promise<boolean> {
    const r = this.db
      .prepare('INSERT INTO audit_admin_chats (chat_id, registered_by, registered_at) VALUES (?, ?, ?) ON CONFLICT(chat_id) DO NOTHING')
      .run(chatId, registeredBy, at);
    return r.changes === 1;
  }

  /** Removes a chat registered in chat; resolves `false` when it wasn't. ADMIN_CHAT_IDS is untouched. */
  async unregister(chatId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM audit_admin_chats WHERE chat_id = ?').run(chatId).changes === 1;
  }

  /** Whether the chat gets reports (registered in chat or in ADMIN_CHAT_IDS). */
  async has(chatId: string): Promise<boolean> {
    if (this.isFixed(chatId)) return true;
    return this.db.prepare('SELECT 1 FROM audit_admin_chats WHERE chat_id = ?').get(chatId) !== undefined;
  }

  /** Every admin chat, ADMIN_CHAT_IDS first, then registered ones by registration time; no duplicates. */
  async list(): Promise<AdminChat[]> {
    const rows = this.db
      .prepare('SELECT chat_id, registered_by, registered_at FROM audit_admin_chats ORDER BY registered_at, chat_id')
      .all() as AdminChatRow[];
    const out: AdminChat[] = this.fixed.map((chatId) => ({ chatId, source: 'setting' as const }));
    for (const row of rows) {
      if (this.isFixed(row.chat_id)) continue;
      out.push({ chatId: row.chat_id, source: 'chat', registeredBy: row.registered_by, registeredAt: row.registered_at });
    }
    return out;
  }
}
