// The console's calls to the emulator (console-routes.ts describes each one).
const API = '/_emulator/console/api';
/** Wait before opening a new event stream when the browser gave the old one up, ms. */
const RECONNECT_MS = 2000;

/** The emulator could not be reached at all (stopped, restarting, network down). */
export class EmulatorUnreachable extends Error {
  constructor(cause) {
    super('the emulator is not reachable', { cause });
    this.name = 'EmulatorUnreachable';
  }
}

async function call(path, init) {
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (e) {
    throw new EmulatorUnreachable(e); // fetch rejects only when no answer came at all
  }
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
  if (!res.ok) throw new Error(body?.message ?? body?.errors?.[0]?.message ?? `${res.status} ${res.statusText}`);
  return body;
}
const json = (method, body) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const q = encodeURIComponent;

export const api = {
  people: () => call('/people').then((b) => b.records),
  chats: (as) => call(`/chats?as=${q(as)}`).then((b) => b.records),
  posts: (chatId, as) => call(`/chats/${q(chatId)}/posts?as=${q(as)}`).then((b) => b.records),
  openChat: (as, members, name) => call('/chats', json('POST', { as, members, ...(name ? { name } : {}) })),
  /** Uploads a File object into a chat; resolves to its file id. */
  upload: (chatId, as, file) =>
    call(`/chats/${q(chatId)}/files?as=${q(as)}&name=${q(file.name)}`, { method: 'POST', headers: { 'content-type': file.type || 'application/octet-stream' }, body: file }).then((b) => b.id),
  post: (chatId, as, text, fileIds = []) =>
    call(`/chats/${q(chatId)}/posts`, json('POST', { as, text, ...(fileIds.length ? { attachments: fileIds.map((id) => ({ id, type: 'File' })) } : {}) })),
  submitCard: (cardId, as, data) => call(`/cards/${q(cardId)}/submit`, json('POST', { as, data })),
  /**
   * Calls `onChange(change)` for every server-sent change and `onConnected(true|false)` when the
   * stream opens or drops. A dropped stream is reopened (by the browser, or here when the browser
   * gives up), so the emulator coming back is noticed. Returns a function that stops listening.
   */
  listen(onChange, onConnected) {
    let source;
    let retry;
    const open = () => {
      source = new EventSource(`${API}/events`);
      source.onopen = () => onConnected(true);
      source.onmessage = (e) => onChange(JSON.parse(e.data));
      source.onerror = () => {
        onConnected(false);
        if (source.readyState === EventSource.CLOSED) retry = setTimeout(open, RECONNECT_MS);
      };
    };
    open();
    return () => {
      clearTimeout(retry);
      source.close();
    };
  },
};
