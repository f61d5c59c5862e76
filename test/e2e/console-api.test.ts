/**
 * The console's server side over real sockets, no browser: page and assets served offline,
 * people and chats with unread marks, file posts, and server-sent events for new posts.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';

let emu: Emulator;
beforeAll(async () => {
  emu = await createEmulator({ seed: { users: 4, withPhotoRatio: 0.5 } });
});
afterAll(() => emu?.close());

const api = (path: string, init?: RequestInit) => fetch(`${emu.url}/_emulator/console/api${path}`, init);
const postJson = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Opens the event stream and resolves with the first change matching `match`. */
function nextChange(match: (c: Record<string, unknown>) => boolean): { ready: Promise<void>; change: Promise<Record<string, unknown>> } {
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const change = new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = http.get(`${emu.url}/_emulator/console/api/events`, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        if (buffer.includes(': connected')) onReady();
        for (const m of buffer.matchAll(/^data: (.*)$/gm)) {
          const c = JSON.parse(m[1]!) as Record<string, unknown>;
          if (match(c)) {
            req.destroy();
            resolve(c);
          }
        }
      });
    });
    req.on('error', reject);
  });
  return { ready, change };
}

describe('console server', () => {
  it('serves the page and its libraries from the project, with no CDN', async () => {
    const page = await (await fetch(`${emu.url}/`)).text();
    expect(page).toContain('<div id="app">');
    const urls = [...page.matchAll(/(?:src|href)="([^"]+)"|"(\/_emulator\/[^"]+)"/g)].map((m) => m[1] ?? m[2]!);
    expect(urls.every((u) => u.startsWith('/'))).toBe(true);
    for (const u of [...urls, '/_emulator/console/assets/app.js']) {
      const res = await fetch(`${emu.url}${u}`);
      expect(res.status, u).toBe(200);
    }
    expect((await fetch(`${emu.url}/_emulator/console/assets/..%2Fconsole-routes.ts`)).status).toBe(404);
    // Browsers ask for /favicon.ico on every emulator page (the consent page too): an icon, not a 404.
    const icon = await fetch(`${emu.url}/favicon.ico`);
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
  });

  it('lists people, opens a direct chat, posts a file, counts unread and pushes the change', async () => {
    const people = ((await (await api('/people')).json()) as { records: { id: string; photoUrl?: string }[] }).records;
    expect(people.length).toBe(4);
    const [a, b] = people as [{ id: string; photoUrl?: string }, { id: string }];
    const withPhoto = people.find((p) => p.photoUrl)!;
    expect((await fetch(`${emu.url}${withPhoto.photoUrl}`)).headers.get('content-type')).toMatch(/^image\//);

    const chat = (await (await postJson('/chats', { as: a.id, members: [b.id] })).json()) as { id: string; type: string };
    expect(chat.type).toBe('Direct');
    const stream = nextChange((c) => c.kind === 'posts' && c.chatId === chat.id);
    await stream.ready;
    const upload = await api(`/chats/${chat.id}/files?as=${a.id}&name=note.txt`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello file' });
    expect(upload.status).toBe(201);
    const { id: fileId } = (await upload.json()) as { id: string };
    expect((await postJson(`/chats/${chat.id}/posts`, { as: a.id, text: `see ![:Person](${b.id})`, attachments: [{ id: fileId, type: 'File' }] })).status).toBe(201);
    expect(await stream.change).toEqual({ kind: 'posts', chatId: chat.id });

    const chatsOfB = ((await (await api(`/chats?as=${b.id}`)).json()) as { records: { id: string; unread: number }[] }).records;
    expect(chatsOfB.find((c) => c.id === chat.id)!.unread).toBe(1);
    const posts = ((await (await api(`/chats/${chat.id}/posts?as=${b.id}`)).json()) as { records: { text: string; files: { url: string; name: string }[]; mentions: Record<string, string> }[] }).records;
    expect(posts[0]!.files[0]!.name).toBe('note.txt');
    expect(await (await fetch(posts[0]!.files[0]!.url)).text()).toBe('hello file');
    expect(Object.keys(posts[0]!.mentions)).toEqual([b.id]);
    const after = ((await (await api(`/chats?as=${b.id}`)).json()) as { records: { id: string; unread: number }[] }).records;
    expect(after.find((c) => c.id === chat.id)!.unread).toBe(0);
  });

  it('creates a named group with the chosen members, and finds the same direct chat again', async () => {
    const [a, b, c] = ((await (await api('/people')).json()) as { records: { id: string }[] }).records as [{ id: string }, { id: string }, { id: string }];
    const group = (await (await postJson('/chats', { as: a.id, members: [b.id, c.id], name: 'Photo club' })).json()) as { id: string; type: string };
    expect(group.type).toBe('Group');
    const ofC = ((await (await api(`/chats?as=${c.id}`)).json()) as { records: { id: string; title: string; members: string[] }[] }).records;
    expect(ofC.find((x) => x.id === group.id)).toMatchObject({ title: 'Photo club', members: [a.id, b.id, c.id] });
    const first = (await (await postJson('/chats', { as: a.id, members: [b.id] })).json()) as { id: string };
    const again = (await (await postJson('/chats', { as: b.id, members: [a.id] })).json()) as { id: string };
    expect(again.id).toBe(first.id);
  });

  it('names the members parameter when a chosen member is unknown', async () => {
    const people = ((await (await api('/people')).json()) as { records: { id: string }[] }).records;
    const res = await postJson('/chats', { as: people[0]!.id, members: [people[1]!.id, 'no-such-person'] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'CMN-101', message: 'Parameter [members] value is invalid.' });
  });

  it('refuses a post by someone outside the chat, in RingCentral\'s error shape', async () => {
    const people = ((await (await api('/people')).json()) as { records: { id: string }[] }).records;
    const chat = (await (await postJson('/chats', { as: people[0]!.id, members: [people[1]!.id] })).json()) as { id: string };
    const res = await postJson(`/chats/${chat.id}/posts`, { as: people[2]!.id, text: 'hi' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ errorCode: 'CMN-401' });
  });
});
