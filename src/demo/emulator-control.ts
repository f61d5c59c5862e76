/**
 * A small typed client for the emulator's `/_emulator` control API (docs/emulator.md#control-api
 * and #messaging-control-routes), used by demo mode and by tests. JSON in and out; non-2xx answers
 * throw an Error carrying the status and the emulator's message.
 */

export interface EmulatorUser {
  id: string;
  name: string;
  email: string;
  admin: boolean;
  hasPhoto: boolean;
  extensionNumber?: string;
}

export interface EmulatorStateSummary {
  accountId: string;
  app: { clientId: string; clientSecret: string };
  adminJwt: string;
  bot?: { extensionId: string };
  users: EmulatorUser[];
  chats: Array<{ id: string; type: string; name?: string; members: string[] }>;
  subscriptions: Array<{ id: string; status: string; transportType?: string; address?: string }>;
}

export interface EmulatorPostView {
  id: string;
  groupId?: string;
  creatorId: string;
  text?: string | null;
  attachments?: Array<Record<string, unknown>> | null;
  card?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface EmulatorControl {
  readonly url: string;
  reset(seed?: { users?: number; withPhotoRatio?: number }): Promise<EmulatorStateSummary>;
  state(): Promise<EmulatorStateSummary>;
  addExtension(e: { firstName: string; lastName: string; email?: string; admin?: boolean; photoBase64?: string }): Promise<{ id: string }>;
  addChat(c: { type: string; members: string[]; name?: string }): Promise<{ id: string }>;
  post(chatId: string, p: { creatorId: string; text?: string; attachments?: Array<{ name: string; contentType: string; dataBase64: string }> }): Promise<EmulatorPostView>;
  posts(chatId: string): Promise<EmulatorPostView[]>;
  installBot(p: { redirectUri: string; encoding?: 'form' | 'json' }): Promise<{ bot: { extensionId: string }; status?: number; error?: string }>;
  consent(p: { authorizeUrl: string; extensionId: string }): Promise<{ location: string }>;
  requests(): Promise<Array<Record<string, unknown>>>;
  clearRequests(): Promise<void>;
  faults(f: { method?: string; path: string; status: number; errorCode?: string; count: number; delayMs?: number }): Promise<void>;
  clearFaults(): Promise<void>;
  blacklist(subscriptionId: string): Promise<void>;
  advanceClock(advanceMs: number): Promise<void>;
}

/** Creates a control client for the emulator at `url` (no trailing slash). */
export function createEmulatorControl(url: string): EmulatorControl {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    url,
    reset: (seed) => call('POST', '/reset', seed ? { seed } : {}),
    state: () => call('GET', '/state'),
    addExtension: (e) => call('POST', '/extensions', e),
    addChat: (c) => call('POST', '/chats', c),
    post: (chatId, p) => call('POST', `/chats/${encodeURIComponent(chatId)}/posts`, p),
    posts: async (chatId) => (await call<{ records: EmulatorPostView[] }>('GET', `/chats/${encodeURIComponent(chatId)}/posts`)).records,
    installBot: (p) => call('POST', '/bots/install', p),
    consent: (p) => call('POST', '/oauth/consent', p),
    requests: () => call('GET', '/requests'),
    clearRequests: async () => {
      await call('DELETE', '/requests');
    },
    faults: async (f) => {
      await call('POST', '/faults', f);
    },
    clearFaults: async () => {
      await call('DELETE', '/faults');
    },
    blacklist: async (id) => {
      await call('POST', `/subscriptions/${encodeURIComponent(id)}/blacklist`, {});
    },
    advanceClock: async (advanceMs) => {
      await call('POST', '/clock', { advanceMs });
    },
  };
}
