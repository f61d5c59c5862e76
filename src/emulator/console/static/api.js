// The console's calls to the emulator (console-routes.ts describes each one).
const API = '/_emulator/console/api';

async function call(path, init) {
  const res = await fetch(API + path, init);
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
  /** Calls `onChange(change)` for every server-sent change; returns a function that stops listening. */
  listen(onChange) {
    const source = new EventSource(`${API}/events`);
    source.onmessage = (e) => onChange(JSON.parse(e.data));
    return () => source.close();
  },
};
