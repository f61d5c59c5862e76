/**
 * Clients that act with one person's own OAuth authorization (tokens kept in the bot's vault).
 *
 * Refresh rules (docs/ringcentral-notes.md §2.1 "Refresh tokens"; docs/ringcentral-notes.md §9.18):
 * - a refresh token is single use, so the rotated pair is saved to the vault before any call
 *   uses the new access token;
 * - concurrent calls share one refresh (single flight per person); a call that got 401 with a
 *   token someone else already replaced just takes the newer one from the vault;
 * - the access token is refreshed when it expires within 60 s, or after a 401 (then the call is
 *   sent once more);
 * - when the refresh is refused (invalid_grant, OAU-…, no/expired refresh token) the vault entry
 *   is removed and the call throws kind 'unauthorized', so the bot sends a fresh sign-in link.
 *   A 429/503 on the refresh keeps the tokens (the error is passed on).
 */
import type { GetExtensionInfoResponse, UserClient, UserTokenVault, UserTokens } from './ringcentral-client.ts';
import { PlatformError } from './platform-errors.ts';
import type { IdentitySession, PlatformHttp, TokenResponse } from './platform-http.ts';
import type { PlatformLogger } from './platform-logger.ts';
import { buildProfileImageForm, profileImageFileName } from './profile-image-form.ts';

/** Refresh this long before the access token's stated expiry (the SDK's own handicap). */
export const ACCESS_TOKEN_HANDICAP_MS = 60_000;

/** Turns a token answer into stored tokens; `previous` fills in what a refresh answer omits. */
export function userTokensFromResponse(json: TokenResponse, now: number, previous?: UserTokens): UserTokens {
  const expiresInS = Number(json.expires_in ?? 3600);
  const tokens: UserTokens = {
    accessToken: json.access_token,
    accessExpiresAt: now + (Number.isFinite(expiresInS) ? expiresInS : 3600) * 1000,
  };
  const refreshToken = json.refresh_token ?? previous?.refreshToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (json.refresh_token_expires_in !== undefined) {
    const s = Number(json.refresh_token_expires_in);
    if (Number.isFinite(s)) tokens.refreshExpiresAt = now + s * 1000;
  } else if (json.refresh_token === undefined && previous?.refreshExpiresAt !== undefined) {
    tokens.refreshExpiresAt = previous.refreshExpiresAt;
  }
  const scope = json.scope ?? previous?.scope;
  if (scope) tokens.scope = scope;
  return tokens;
}

/** What a user session needs from the platform; `now` in ms since epoch. */
export interface UserSessionDeps {
  http: PlatformHttp;
  vault: UserTokenVault;
  now: () => number;
  logger: PlatformLogger;
}

/** One person's SDK session plus their single-flight refresh. Kept per extension id. */
export class UserSession {
  readonly extensionId: string;
  readonly session: IdentitySession;
  readonly #d: UserSessionDeps;
  #refreshing: Promise<UserTokens> | undefined;

  constructor(extensionId: string, deps: UserSessionDeps) {
    this.extensionId = extensionId;
    this.#d = deps;
    this.session = deps.http.createSession(`user-${extensionId}`, false);
  }

  /** Whether a refresh is under way (the session must not be dropped then). */
  get busy(): boolean {
    return this.#refreshing !== undefined;
  }

  /** The tokens in the vault as they are (no refresh). */
  storedTokens(): Promise<UserTokens | undefined> {
    return this.#d.vault.load(this.extensionId);
  }

  /** Valid tokens for a call: from the vault, refreshed first when (nearly) expired. */
  async tokens(): Promise<UserTokens> {
    if (this.#refreshing) return this.#refreshing;
    const tokens = await this.#d.vault.load(this.extensionId);
    if (!tokens) throw new PlatformError('unauthorized', `no authorization stored for extension ${this.extensionId}`);
    if (tokens.accessExpiresAt - ACCESS_TOKEN_HANDICAP_MS <= this.#d.now()) return this.refresh(tokens);
    return tokens;
  }

  /** Refreshes unless `stale` was already replaced; one refresh at a time. */
  refresh(stale: UserTokens): Promise<UserTokens> {
    if (!this.#refreshing) {
      this.#refreshing = this.#refreshOnce(stale).finally(() => {
        this.#refreshing = undefined;
      });
    }
    return this.#refreshing;
  }

  async #refreshOnce(stale: UserTokens): Promise<UserTokens> {
    const { vault, http, now, logger } = this.#d;
    const latest = await vault.load(this.extensionId);
    if (!latest) throw new PlatformError('unauthorized', `no authorization stored for extension ${this.extensionId}`);
    if (latest.accessToken !== stale.accessToken && latest.accessExpiresAt - ACCESS_TOKEN_HANDICAP_MS > now()) return latest;
    if (!latest.refreshToken || (latest.refreshExpiresAt !== undefined && latest.refreshExpiresAt <= now())) {
      await vault.remove(this.extensionId);
      throw new PlatformError('unauthorized', `the authorization of extension ${this.extensionId} expired; sign-in needed`);
    }
    let json: TokenResponse;
    try {
      json = await http.tokenRequest(this.session, { grant_type: 'refresh_token', refresh_token: latest.refreshToken }, 'refreshUserToken');
    } catch (e) {
      if (e instanceof PlatformError && (e.kind === 'unauthorized' || e.kind === 'bad-request' || e.kind === 'forbidden')) {
        // Another instance may have used this (single-use) refresh token first and stored the
        // rotated set: then that set is the answer, and nothing is removed.
        const now2 = await vault.load(this.extensionId);
        if (now2 && now2.refreshToken !== latest.refreshToken) return now2;
        await vault.remove(this.extensionId);
        logger.info({ extensionId: this.extensionId, errorCode: e.details.errorCode }, 'user authorization refused on refresh; removed');
        throw new PlatformError('unauthorized', `the authorization of extension ${this.extensionId} was refused on refresh; sign-in needed`, { ...e.details, cause: e });
      }
      throw e;
    }
    const fresh = userTokensFromResponse(json, now(), latest);
    // Before anything uses the new access token; compare-and-set when several instances share the
    // vault, so a slower instance can't put back an older set over the newer one.
    if (vault.replace) {
      if (!(await vault.replace(this.extensionId, latest, fresh))) {
        const newer = await vault.load(this.extensionId);
        if (!newer) throw new PlatformError('unauthorized', `the authorization of extension ${this.extensionId} was removed during a refresh; sign-in needed`);
        logger.debug({ extensionId: this.extensionId }, 'user token refreshed by another instance first; using its set');
        return newer;
      }
    } else await vault.save(this.extensionId, fresh);
    logger.debug({ extensionId: this.extensionId }, 'user token refreshed');
    return fresh;
  }

  /**
   * Runs `call` with the person's current token set on the SDK session; on a 401 refreshes once
   * and runs it again. `call` must build a fresh body each time.
   */
  async withToken<T>(call: () => Promise<T>): Promise<T> {
    let tokens = await this.tokens();
    await this.#use(tokens);
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof PlatformError && e.kind === 'unauthorized' && e.details.status === 401)) throw e;
      tokens = await this.refresh(tokens);
      await this.#use(tokens);
      return await call();
    }
  }

  async #use(tokens: UserTokens): Promise<void> {
    await this.session.platform.auth().setData({
      token_type: 'bearer',
      access_token: tokens.accessToken,
      expires_in: String(Math.max(1, Math.floor((tokens.accessExpiresAt - this.#d.now()) / 1000))),
    });
  }
}

/** `UserClient` for one person. */
export class RingCentralUserClient implements UserClient {
  readonly extensionId: string;
  readonly #s: UserSession;
  readonly #http: PlatformHttp;

  constructor(session: UserSession, http: PlatformHttp) {
    this.extensionId = session.extensionId;
    this.#s = session;
    this.#http = http;
  }

  /**
   * `PUT /restapi/v1.0/account/~/extension/{id}/profile-image` (Heavy), multipart: one part
   * `image` with a matching file name and content type, a fresh form for every attempt
   * (docs/ringcentral-notes.md §2.3; docs/ringcentral-notes.md §9.13). 204 on success. Throws kind 'bad-request' for a
   * content type other than JPEG/PNG/GIF (before sending) and for ACT-330/331/334, 'forbidden' for
   * CMN-419 (another person's extension without admin rights) and ACT-332.
   */
  async setProfileImage(image: { bytes: Buffer; contentType: string }, extensionId?: string): Promise<void> {
    try {
      profileImageFileName(image.contentType);
    } catch (e) {
      throw new PlatformError('bad-request', (e as Error).message);
    }
    const target = extensionId ?? '~';
    await this.#s.withToken(async () => {
      const r = await this.#http.send(this.#s.session, {
        method: 'PUT',
        url: `/restapi/v1.0/account/~/extension/${encodeURIComponent(target)}/profile-image`,
        bodyFactory: () => buildProfileImageForm(image),
        what: 'setProfileImage',
      });
      await r.arrayBuffer();
    });
  }

  /** `GET /restapi/v1.0/account/~/extension/~` (Light) with the person's token. */
  getOwnExtension(): Promise<GetExtensionInfoResponse> {
    return this.#s.withToken(() =>
      this.#http.json<GetExtensionInfoResponse>(this.#s.session, { method: 'GET', url: '/restapi/v1.0/account/~/extension/~', what: 'getOwnExtension' }),
    );
  }

  /**
   * `POST /restapi/oauth/revoke` with the refresh token (or the access token), client auth, sent
   * once; every error is swallowed (RingCentral: do not retry revoke; docs/ringcentral-notes.md §2.1).
   * Does not touch the vault (the caller deletes the stored tokens).
   */
  async revoke(): Promise<void> {
    try {
      const tokens = await this.#s.storedTokens();
      if (!tokens) return;
      await this.#http.send(this.#s.session, {
        method: 'POST',
        url: '/restapi/oauth/revoke',
        body: { token: tokens.refreshToken ?? tokens.accessToken },
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: this.#http.basicAuthHeader() },
        skipAuthCheck: true,
        noRetry: true,
        what: 'revokeUserToken',
      });
    } catch {
      // swallowed on purpose
    }
  }
}
