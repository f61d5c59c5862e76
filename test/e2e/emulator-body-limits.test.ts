import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { control, emulatorState, startEmulator, tokenFor, type EmulatorStateView } from './emulator-platform-helpers.ts';

/**
 * Body limits of the messaging JSON routes: a person can attach a phone-sized photo through the
 * control API, and an API body over the limit is answered 413 CMN-413 (not "JSON can't be parsed").
 */
describe('emulator JSON body limits', () => {
  let emu: Emulator;
  let view: EmulatorStateView;
  let chatId: string;

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 3, withPhotoRatio: 0 } });
    view = await emulatorState(emu);
    const chat = await control(emu, '/chats', { type: 'Group', name: 'Limits', members: [view.users[0]!.id, view.users[1]!.id] });
    expect(chat.status).toBeLessThan(300);
    chatId = chat.body.id as string;
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('accepts a control post with a 4 MB attachment and keeps its bytes', async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const posted = await control(emu, `/chats/${chatId}/posts`, {
      creatorId: view.users[1]!.id,
      text: 'my photo',
      attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', dataBase64: bytes.toString('base64') }],
    });
    expect(posted.status).toBeLessThan(300);
    const uri = posted.body.attachments[0].contentUri as string;
    const downloaded = Buffer.from(await (await fetch(uri)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
  });

  it('answers an API post body over 2 MB with 413 CMN-413', async () => {
    const token = await tokenFor(emu, view);
    const r = await fetch(`${emu.url}/team-messaging/v1/chats/${chatId}/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe('CMN-413');
  });
});
