/**
 * A person's own authorization (OAuth 2.0 authorization code + PKCE S256,
 * docs/ringcentral-notes.md §2.1). The bot asks for it only when a command needs the
 * person's rights; the request waits, bound to the person by a single-use `state`, until they
 * come back to `GET /oauth/user`.
 */
import type { RingCentralPlatform, UserTokenVault } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { BotError } from '../errors.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import { createPkcePair, createState } from './pkce.ts';
import type { TokenCipher } from './token-cipher.ts';

/** How long a sign-in link stays valid, ms. */
export const AUTHORIZATION_TTL_MS = 10 * 60 * 1000;

export interface CompletedAuthorization {
  extensionId: string;
  chatId: string;
  request: unknown;
}

/**
 * The code exchange failed after the state was used: RingCentral refused the code (`refused`:
 * junk, used, expired, or not issued for our PKCE challenge) or could not be reached. `pending`
 * is the request that was waiting, so the caller can send the person a fresh link. HTTP 400
 * when refused, 502 otherwise; `cause` is the PlatformError.
 */
export class SignInCodeRefusedError extends BotError {
  readonly pending: CompletedAuthorization;
  readonly refused: boolean;
  constructor(pending: CompletedAuthorization, cause: PlatformError) {
    const refused = cause.kind !== 'unavailable' && cause.kind !== 'rate-limited';
    super('OAUTH_CODE_REFUSED', refused ? 'RingCentral refused the sign-in code' : 'RingCentral could not be reached to finish the sign-in', {
      status: refused ? 400 : 502,
      expose: false,
      cause,
    });
    this.pending = pending;
    this.refused = refused;
  }
}

/**
 * The person who came back from the consent page signed in as someone else than who asked: the
 * tokens were revoked, and `pending` (the requester's request) gets a fresh link in their chat.
 */
export class SignInWrongPersonError extends BotError {
  readonly pending: CompletedAuthorization;
  constructor(pending: CompletedAuthorization) {
    super('OAUTH_WRONG_PERSON', 'You signed in as a different person than the one who asked the bot. Sign in with your own RingCentral account.', {
      status: 403,
      expose: true,
    });
    this.pending = pending;
  }
}

export interface UserAuthorization {
  /**
   * Stores a pending request for `extensionId` (asked in `chatId`) and returns the authorize URL
   * to send to that person in a Direct chat. Valid for AUTHORIZATION_TTL_MS, once.
   */
  begin(p: { extensionId: string; chatId: string; request: unknown }): Promise<{ authorizeUrl: string; expiresAt: number }>;
  /**
   * Consumes `state`, exchanges `code` and saves the person's tokens (sealed).
   * Throws BotError OAUTH_STATE_INVALID (unknown, used or expired state: 400) or
   * OAUTH_WRONG_PERSON (signed in as another extension than the one who asked: 403; nothing saved,
   * the tokens just issued are revoked), or SignInCodeRefusedError when the code exchange fails
   * (the state is used up either way; the error carries the waiting request).
   */
  complete(p: { state: string; code: string }): Promise<CompletedAuthorization>;
  /** Revokes (best effort) and deletes the person's tokens and pending requests; true if tokens existed. */
  forget(extensionId: string): Promise<boolean>;
  /** Whether tokens are stored for the person (they may still turn out revoked). */
  hasTokens(extensionId: string): Promise<boolean>;
}

/**
 * Creates the authorization service over the platform (authorize URL, code exchange, revoke),
 * the vault (sealed tokens) and the store (pending requests; PKCE verifiers sealed with `cipher`).
 */
export function createUserAuthorization(deps: {
  platform: RingCentralPlatform;
  vault: UserTokenVault;
  store: Store;
  cipher: TokenCipher;
  /** Our `GET /oauth/user` URL, as registered with the app (a function: known only after listen). */
  redirectUri: () => string;
  now?: () => number;
  ttlMs?: number;
}): UserAuthorization {
  const now = deps.now ?? Date.now;
  const ttl = deps.ttlMs ?? AUTHORIZATION_TTL_MS;
  return {
    async begin({ extensionId, chatId, request }) {
      const { codeVerifier, codeChallenge } = createPkcePair();
      const state = createState();
      const createdAt = now();
      const expiresAt = createdAt + ttl;
      await deps.store.putPendingAuthorization({
        state,
        extensionId,
        chatId,
        codeVerifier: deps.cipher.seal(codeVerifier, `pkce:${state}`),
        request,
        createdAt,
        expiresAt,
      });
      const authorizeUrl = deps.platform.userAuthorizeUrl({ state, codeChallenge, redirectUri: deps.redirectUri() });
      return { authorizeUrl, expiresAt };
    },
    async complete({ state, code }) {
      const pending = await deps.store.takePendingAuthorization(state);
      if (!pending || pending.expiresAt <= now()) {
        throw new BotError('OAUTH_STATE_INVALID', 'This sign-in link is unknown, already used or expired. Ask the bot again for a fresh link.', {
          status: 400,
          expose: true,
        });
      }
      const codeVerifier = deps.cipher.open(pending.codeVerifier, `pkce:${state}`);
      let exchanged: Awaited<ReturnType<RingCentralPlatform['exchangeUserCode']>>;
      try {
        exchanged = await deps.platform.exchangeUserCode({ code, codeVerifier, redirectUri: deps.redirectUri() });
      } catch (e) {
        if (e instanceof PlatformError) throw new SignInCodeRefusedError({ extensionId: pending.extensionId, chatId: pending.chatId, request: pending.request }, e);
        throw e;
      }
      const { extensionId, tokens } = exchanged;
      if (extensionId !== pending.extensionId) {
        // Not kept, and not left alive either: that person didn't mean to authorize this request.
        await deps.platform.revokeUserToken(tokens.refreshToken ?? tokens.accessToken);
        throw new SignInWrongPersonError({ extensionId: pending.extensionId, chatId: pending.chatId, request: pending.request });
      }
      await deps.vault.save(extensionId, tokens);
      return { extensionId, chatId: pending.chatId, request: pending.request };
    },
    async forget(extensionId) {
      const had = (await deps.vault.load(extensionId)) !== undefined;
      if (had) {
        try {
          await deps.platform.user(extensionId).revoke();
        } catch {
          // revoke is best effort (the platform already swallows RingCentral's errors); deletion below is what counts
        }
      }
      await deps.vault.remove(extensionId);
      await deps.store.deletePendingAuthorizationsOf(extensionId);
      return had;
    },
    async hasTokens(extensionId) {
      return (await deps.vault.load(extensionId)) !== undefined;
    },
  };
}
