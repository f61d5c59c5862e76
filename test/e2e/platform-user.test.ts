/**
 * A person's authorization end to end against the emulator: PKCE authorize URL → consent →
 * code exchange → profile image set with the person's own token (the emulator's image and ETag
 * change) → access token expired on the emulator clock → refreshed and rotated → revoked →
 * kind 'unauthorized' and the vault entry gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Jimp } from 'jimp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import { control, platformFor, startEmulator, startReceiver, view, type EmulatorView, type Receiver } from './platform-e2e-kit.ts';
import type { memoryVault, recordingLogger } from '../unit/platform/platform-fakes.ts';

async function photo(color: number, mime: 'image/jpeg' | 'image/png'): Promise<Buffer> {
  const image = new Jimp({ width: 320, height: 320, color });
  return image.getBuffer(mime);
}

describe('a person’s own authorization against the emulator', () => {
  let emu: Emulator;
  let receiver: Receiver;
  let platform: RingCentralPlatform;
  let vault: ReturnType<typeof memoryVault>;
  let logger: ReturnType<typeof recordingLogger>;
  const tokensSeen = new Set<string>();
  let state: EmulatorView;
  let person: EmulatorView['users'][number];
  let other: EmulatorView['users'][number];

  beforeAll(async () => {
    emu = await startEmulator();
    receiver = await startReceiver();
    ({ platform, vault, state, logger } = await platformFor(emu));
    const save = vault.save.bind(vault);
    vault.save = async (id, tokens) => {
      tokensSeen.add(tokens.accessToken);
      if (tokens.refreshToken) tokensSeen.add(tokens.refreshToken);
      return save(id, tokens);
    };
    person = state.users.find((u) => !u.hasPhoto && !u.admin)!;
    other = state.users.find((u) => u.id !== person.id && !u.admin)!;
  });
  afterAll(async () => {
    await platform?.close();
    await receiver?.close();
    await emu?.close();
  });

  async function signIn(extensionId: string): Promise<void> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = `${receiver.url}/oauth/user`;
    const authorizeUrl = platform.userAuthorizeUrl({ state: `st-${extensionId}`, codeChallenge: challenge, redirectUri });
    const { location } = await control<{ location: string }>(emu, '/oauth/consent', { authorizeUrl, extensionId });
    const back = new URL(location);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe(`st-${extensionId}`);
    const code = back.searchParams.get('code')!;
    const result = await platform.exchangeUserCode({ code, codeVerifier: verifier, redirectUri });
    expect(result.extensionId).toBe(extensionId);
    await vault.save(result.extensionId, result.tokens);
  }

  it('a wrong PKCE verifier is refused with kind unauthorized', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = `${receiver.url}/oauth/user`;
    const authorizeUrl = platform.userAuthorizeUrl({ state: 'x', codeChallenge: challenge, redirectUri });
    const { location } = await control<{ location: string }>(emu, '/oauth/consent', { authorizeUrl, extensionId: person.id });
    const code = new URL(location).searchParams.get('code')!;
    await expect(platform.exchangeUserCode({ code, codeVerifier: `${verifier}x`, redirectUri })).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('sets the person’s own profile image; the emulator’s image and ETag change', async () => {
    await signIn(person.id);
    const user = platform.user(person.id);
    const before = await user.getOwnExtension();
    expect(String(before.id)).toBe(person.id);
    expect(before.profileImage?.etag).toBeUndefined();

    await user.setProfileImage({ bytes: await photo(0x3366ccff, 'image/jpeg'), contentType: 'image/jpeg' });
    const first = await user.getOwnExtension();
    expect(first.profileImage?.etag).toBeTruthy();
    expect((await view(emu)).users.find((u) => u.id === person.id)?.hasPhoto).toBe(true);

    await user.setProfileImage({ bytes: await photo(0xcc3366ff, 'image/png'), contentType: 'image/png' });
    const second = await user.getOwnExtension();
    expect(second.profileImage?.etag).toBeTruthy();
    expect(second.profileImage?.etag).not.toBe(first.profileImage?.etag);
  });

  it('another person’s extension without admin rights is kind forbidden (CMN-419)', async () => {
    await expect(platform.user(person.id).setProfileImage({ bytes: await photo(0x00ff00ff, 'image/png'), contentType: 'image/png' }, other.id)).rejects.toMatchObject({
      kind: 'forbidden',
      details: { errorCode: 'CMN-419' },
    });
  });

  it('an access token expired on the emulator clock is refreshed once and the rotated pair saved', async () => {
    const before = vault.data.get(person.id)!;
    await control(emu, '/clock', { advanceMs: 2 * 3600_000 });
    const events = vault.events.length;
    const me = await platform.user(person.id).getOwnExtension();
    expect(String(me.id)).toBe(person.id);
    const after = vault.data.get(person.id)!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(vault.events.slice(events)).toEqual([`save:${after.accessToken}`]);
  });

  it('a revoked authorization becomes kind unauthorized and the vault entry is removed', async () => {
    await platform.user(person.id).revoke();
    await expect(platform.user(person.id).getOwnExtension()).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(vault.data.has(person.id)).toBe(false);
    await expect(platform.user(person.id).getOwnExtension()).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('never writes a token to the logs', () => {
    expect(tokensSeen.size).toBeGreaterThanOrEqual(4);
    const logged = JSON.stringify(logger.lines);
    for (const token of tokensSeen) expect(logged.includes(token), 'a token in the logs').toBe(false);
  });
});
