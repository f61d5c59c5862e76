/**
 * The bot's client against the real emulator over real sockets: private-bot install, posts,
 * cards, direct chats, persons, extensions, profile images, files, attachment downloads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import { waitUntil } from '../helpers/wait-until.ts';
import { control, installBot, platformFor, startEmulator, startReceiver, view, type EmulatorView, type Receiver } from './platform-e2e-kit.ts';

describe('platform bot client against the emulator', () => {
  let emu: Emulator;
  let receiver: Receiver;
  let platform: RingCentralPlatform;
  let state: EmulatorView;
  let botId = '';
  let withPhoto: EmulatorView['users'][number];
  let withoutPhoto: EmulatorView['users'][number];
  let groupId = '';

  beforeAll(async () => {
    emu = await startEmulator();
    receiver = await startReceiver();
    ({ platform } = await platformFor(emu));
    const token = await installBot(emu, receiver);
    botId = (await platform.installBotToken(token)).extensionId;
    state = await view(emu);
    withPhoto = state.users.find((u) => u.hasPhoto)!;
    withoutPhoto = state.users.find((u) => !u.hasPhoto)!;
    const chat = await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'Platform test', members: [botId, withPhoto.id, withoutPhoto.id] });
    groupId = chat.id;
  });
  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
    await emu?.close();
  });

  it('installs the bot token and learns the bot extension id', () => {
    expect(platform.hasBot()).toBe(true);
    expect(botId).toBe(state.bot?.extensionId);
    expect(platform.bot().extensionId).toBe(botId);
  });

  it('posts, edits a post and sends an adaptive card; the emulator shows them', async () => {
    const bot = platform.bot();
    const post = await bot.createPost(groupId, 'Hello from the platform test');
    expect(post).toMatchObject({ groupId, text: 'Hello from the platform test', creatorId: botId });
    const edited = await bot.updatePost(groupId, String(post.id), 'Edited text');
    expect(edited.text).toBe('Edited text');
    const card = { type: 'AdaptiveCard' as const, version: '1.3', body: [{ type: 'TextBlock', text: 'A card' }] };
    const { id: cardId } = await bot.createCard(groupId, card);
    await bot.updateCard(cardId, { ...card, body: [{ type: 'TextBlock', text: 'Updated card' }] });
    const posts = await control<{ records: Array<{ text?: string; cardId?: string; card?: { body?: Array<{ text?: string }> } }> }>(emu, `/chats/${groupId}/posts`, undefined, 'GET');
    expect(posts.records.some((p) => p.text === 'Edited text')).toBe(true);
    const cardPost = posts.records.find((p) => p.card);
    expect(cardPost?.card?.body?.[0]?.text).toBe('Updated card');
  });

  it('opens a direct chat with a person and posts there', async () => {
    const bot = platform.bot();
    const dm = await bot.openDirectChat(withPhoto.id);
    const chat = await bot.getChat(dm);
    expect(chat.type).toBe('Direct');
    expect(chat.members?.map((m) => String(m.id)).sort()).toEqual([botId, withPhoto.id].sort());
    await bot.createPost(dm, 'Just for you');
    expect(await bot.openDirectChat(withPhoto.id)).toBe(dm);
  });

  it('reads persons and extensions; unknown ones are kind not-found', async () => {
    const bot = platform.bot();
    const person = await bot.getPerson(withPhoto.id);
    expect(String(person.id)).toBe(withPhoto.id);
    const ext = await bot.getExtension(withPhoto.id);
    expect(String(ext.id)).toBe(withPhoto.id);
    await expect(bot.getExtension('999999999')).rejects.toMatchObject({ kind: 'not-found', details: { errorCode: 'CMN-102' } });
    await expect(bot.getPerson('999999999')).rejects.toMatchObject({ kind: 'not-found' });
    const page = await bot.listExtensions({ perPage: 100, type: ['User'], status: ['Enabled'] });
    const records = page.records ?? [];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.type === 'User')).toBe(true);
  });

  it('reads profile images at a scale size; none → undefined', async () => {
    const bot = platform.bot();
    const image = await bot.getProfileImage(withPhoto.id, '195x195');
    expect(image?.contentType).toMatch(/^image\/(jpeg|png|gif)/);
    expect(image!.bytes.length).toBeGreaterThan(100);
    expect(image?.etag).toBeTruthy();
    await expect(bot.getProfileImage(withoutPhoto.id, '584x584')).resolves.toBeUndefined();
    await expect(bot.getProfileImage('999999999', '90x90')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('uploads a file into a chat and downloads a person’s attachment within the size cap', async () => {
    const bot = platform.bot();
    const bytes = Buffer.from('hello file '.repeat(50));
    const file = await bot.uploadFile(groupId, 'notes.txt', bytes, 'text/plain');
    expect(file.id).toBeTruthy();
    expect(file.contentUri).toMatch(/^http/);
    const photo = Buffer.alloc(5000, 3);
    const post = await control<{ attachments: Array<{ contentUri: string }> }>(emu, `/chats/${groupId}/posts`, {
      creatorId: withPhoto.id,
      text: 'here is a file',
      attachments: [{ name: 'p.jpg', contentType: 'image/jpeg', dataBase64: photo.toString('base64') }],
    });
    const uri = post.attachments[0]!.contentUri;
    const got = await bot.downloadAttachment(uri, 10_000);
    expect(got.bytes.equals(photo)).toBe(true);
    await expect(bot.downloadAttachment(uri, 4000)).rejects.toMatchObject({ kind: 'too-large' });
    await expect(bot.downloadAttachment('https://example.com/x.jpg', 4000)).rejects.toMatchObject({ kind: 'forbidden-url' });
  });

  it('finds its own posts since a time by paging back through a busy chat, and stops once it reaches older posts', async () => {
    const bot = platform.bot();
    const chat = await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'Busy chat', members: [botId, withPhoto.id] });
    const old = await control<{ creationTime: string }>(emu, `/chats/${chat.id}/posts`, { creatorId: withPhoto.id, text: 'before' });
    const sinceMs = await waitUntil(() => (Date.now() > Date.parse(old.creationTime) ? Date.now() : undefined), 'a later millisecond');
    const mine = await bot.createPost(chat.id, 'my reply');
    // 300 newer posts push the reply off the first page (250, the most one page holds).
    for (let i = 0; i < 300; i++) await control(emu, `/chats/${chat.id}/posts`, { creatorId: withPhoto.id, text: `busy ${i}` });
    await control(emu, '/requests', undefined, 'DELETE');
    const own = await bot.ownPostsSince(chat.id, sinceMs);
    expect(own.map((p) => p.id)).toEqual([mine.id]);
    const requests = await control<Array<{ method: string; path: string }>>(emu, '/requests', undefined, 'GET');
    // Two pages: the second reaches the post from before `sinceMs`, so there is no third call.
    expect(requests.filter((r) => r.method === 'GET' && r.path === `/team-messaging/v1/chats/${chat.id}/posts`)).toHaveLength(2);
    expect(await bot.ownPostsSince(chat.id, Date.now() + 60_000)).toEqual([]);
  });
});
