/**
 * UserTokenVault (platform contract) over the store, with every token set sealed by
 * AES-256-GCM and bound to its extension id (as additional authenticated data).
 */
import type { UserTokens, UserTokenVault } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import type { TokenCipher } from './token-cipher.ts';

/**
 * Creates the vault. `save` writes the whole token set in one statement (atomic: a rotated
 * refresh token replaces the old one or nothing changes). A value that can't be decrypted
 * (key changed, tampered) loads as undefined, so the person is simply asked to sign in again.
 */
export function createEncryptedTokenVault(store: Store, cipher: TokenCipher, now: () => number = Date.now): UserTokenVault {
  return {
    async load(extensionId) {
      const sealed = await store.getSealedUserTokens(extensionId);
      if (sealed === undefined) return undefined;
      try {
        return JSON.parse(cipher.open(sealed, `user-tokens:${extensionId}`)) as UserTokens;
      } catch {
        return undefined;
      }
    },
    async save(extensionId, tokens) {
      await store.putSealedUserTokens(extensionId, cipher.seal(JSON.stringify(tokens), `user-tokens:${extensionId}`), now());
    },
    async replace(extensionId, previous, fresh) {
      const aad = `user-tokens:${extensionId}`;
      const sealed = await store.getSealedUserTokens(extensionId);
      if (sealed === undefined) return false;
      let current: UserTokens;
      try {
        current = JSON.parse(cipher.open(sealed, aad)) as UserTokens;
      } catch {
        return false;
      }
      if (current.accessToken !== previous.accessToken || current.refreshToken !== previous.refreshToken) return false;
      return store.replaceSealedUserTokens(extensionId, sealed, cipher.seal(JSON.stringify(fresh), aad), now());
    },
    async remove(extensionId) {
      await store.deleteSealedUserTokens(extensionId);
    },
  };
}
