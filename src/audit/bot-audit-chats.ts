import type { AuditStore } from '../store/store.ts';

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

/**
 * The chats that get scheduled audit reports: those registered in chat (the store's
 * table `audit_admin_chats`) plus the fixed list
 * of the ADMIN_CHAT_IDS setting. Chat ids are decimal strings.
 */
export class AdminChatRegistry {
  private readonly fixed: readonly string[];

  /**
   * In: the store's audit tables and the ADMIN_CHAT_IDS list.
   */
  constructor(
    private readonly store: AuditStore,
    fixedChatIds: readonly string[] = [],
  ) {
    this.fixed = Object.freeze([...new Set(fixedChatIds.map(String))]);
  }

  /** Whether `chatId` is listed in ADMIN_CHAT_IDS (such a chat can't be unregistered in chat). */
  isFixed(chatId: string): boolean {
    return this.fixed.includes(chatId);
  }

  /** Registers a chat; resolves `false` when it was already registered in chat. */
  async register(chatId: string, registeredBy: string, at: number = Date.now()): Promise<boolean> {
    return this.store.registerAdminChat(chatId, registeredBy, at);
  }

  /** Removes a chat registered in chat; resolves `false` when it wasn't. ADMIN_CHAT_IDS is untouched. */
  async unregister(chatId: string): Promise<boolean> {
    return this.store.unregisterAdminChat(chatId);
  }

  /** Whether the chat gets reports (registered in chat or in ADMIN_CHAT_IDS). */
  async has(chatId: string): Promise<boolean> {
    if (this.isFixed(chatId)) return true;
    return this.store.hasAdminChat(chatId);
  }

  /** Every admin chat, ADMIN_CHAT_IDS first, then registered ones by registration time; no duplicates. */
  async list(): Promise<AdminChat[]> {
    const rows = await this.store.listAdminChats();
    const out: AdminChat[] = this.fixed.map((chatId) => ({ chatId, source: 'setting' as const }));
    for (const row of rows) {
      if (this.isFixed(row.chatId)) continue;
      out.push({ chatId: row.chatId, source: 'chat', registeredBy: row.registeredBy, registeredAt: row.registeredAt });
    }
    return out;
  }
}
