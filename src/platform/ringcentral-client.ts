/**
 * The contract between the bot and RingCentral. `src/platform/` implements it over
 * @ringcentral/sdk; nothing else in the bot talks to RingCentral. Layers above depend on these
 * types only.
 *
 * Every call may throw a `PlatformError` (see platform-errors.ts) whose `kind` says what the
 * caller can do about it. Calls are paced per usage plan group from the `X-Rate-Limit-*`
 * headers and retried on 429/503 after `Retry-After` a bounded number of times
 * (docs/ringcentral-notes.md §5).
 */
import type {
  GetExtensionInfoResponse,
  GetExtensionListResponse,
  TMChatInfo,
  TMPersonInfo,
  TMPostInfo,
} from './ringcentral-types.ts';

export type { GetExtensionInfoResponse, GetExtensionListResponse, TMPostInfo, TMPersonInfo, TMChatInfo };

/** An Adaptive Card (version 1.3) as JSON. */
export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/** Profile image scale sizes RingCentral serves (docs/ringcentral-notes.md §2.3). */
export type ProfileImageScaleSize = 'original' | '90x90' | '195x195' | '584x584';

/** Query of `GET /restapi/v1.0/account/~/extension`. perPage max 1000. */
export interface ListExtensionsQuery {
  page?: number;
  perPage?: number;
  type?: string[];
  status?: string[];
}

/** Paging of Team Messaging lists: `recordCount` (at most 250, SPEC listGlipChatsNew / readGlipPostsNew) and the opaque `pageToken`. */
export interface PageQuery {
  recordCount?: number;
  pageToken?: string;
}

/** One page of a Team Messaging list (`navigation.nextPageToken` leads further back). */
export interface Page<T> {
  records?: T[];
  navigation?: { prevPageToken?: string; nextPageToken?: string };
}

/** Rights of the bot itself (its own long-lived token). */
export interface BotClient {
  /** The bot's own extension id. */
  readonly extensionId: string;
  /** `POST /team-messaging/v1/chats/{chatId}/posts` → the created post. */
  createPost(chatId: string, text: string, attachments?: Array<{ id: string; type: 'File' }>): Promise<TMPostInfo>;
  /**
   * The bot's own posts in the chat created at or after `sinceMs` (ms, our clock), paging back
   * (at most 10 pages of 250): how a retry learns whether an earlier attempt's post landed.
   */
  ownPostsSince(chatId: string, sinceMs: number): Promise<TMPostInfo[]>;
  /** `PATCH /team-messaging/v1/chats/{chatId}/posts/{postId}` (progress messages). */
  updatePost(chatId: string, postId: string, text: string): Promise<TMPostInfo>;
  /** `POST /team-messaging/v1/chats/{chatId}/adaptive-cards` → `{id}`. */
  createCard(chatId: string, card: AdaptiveCard): Promise<{ id: string }>;
  /** `PUT /team-messaging/v1/adaptive-cards/{cardId}`. */
  updateCard(cardId: string, card: AdaptiveCard): Promise<void>;
  /** `POST /team-messaging/v1/conversations` with the person → the Direct chat id. */
  openDirectChat(extensionId: string): Promise<string>;
  /** `GET /team-messaging/v1/chats/{chatId}`. */
  getChat(chatId: string): Promise<TMChatInfo>;
  /** `GET /team-messaging/v1/chats` (Medium): one page of the chats the bot is in. */
  listChats(query?: PageQuery): Promise<Page<TMChatInfo>>;
  /** `GET /team-messaging/v1/chats/{chatId}/posts` (Medium): one page of a chat's posts, newest first. */
  listPosts(chatId: string, query?: PageQuery): Promise<Page<TMPostInfo>>;
  /** `GET /team-messaging/v1/persons/{personId}`; throws PlatformError kind 'not-found'. */
  getPerson(personId: string): Promise<TMPersonInfo>;
  /** `GET /restapi/v1.0/account/~/extension/{id}`; throws kind 'not-found'. */
  getExtension(extensionId: string): Promise<GetExtensionInfoResponse>;
  /** One page of the extension list (Medium group). */
  listExtensions(query: ListExtensionsQuery): Promise<GetExtensionListResponse>;
  /**
   * Profile image bytes of an extension at a scale size, from the media entry point, with the
   * image's `etag` when RingCentral sends one; `undefined` when the extension has none (404
   * ACT-333 and the like); an unknown extension (CMN-102) throws kind 'not-found'.
   */
  getProfileImage(extensionId: string, scale: ProfileImageScaleSize): Promise<{ bytes: Buffer; contentType: string; etag?: string } | undefined>;
  /** `POST /team-messaging/v1/files?groupId=&name=` → file id and content URI. */
  uploadFile(chatId: string, name: string, bytes: Buffer, contentType: string): Promise<{ id: string; contentUri: string }>;
  /**
   * Downloads an attachment's bytes. Only RingCentral's own file links are fetched: on the
   * configured server's or media host's origin only under the file path prefixes
   * (`attachmentFilePaths`, default `/web/customer_files/`; these get the bot's token),
   * `https://*.ringcentral.com` / `*.ringcentral.biz` and hosts named in the `attachmentHosts`
   * option (no token; pre-signed links); never an API path (`/restapi/…`, `/team-messaging/…`);
   * others throw kind 'forbidden-url' before any request. Throws kind 'too-large' past
   * `maxBytes` without reading further, kind 'unavailable' (`details.timedOut`) past the download timeout.
   */
  downloadAttachment(contentUri: string, maxBytes: number): Promise<{ bytes: Buffer; contentType?: string }>;
}

/** Rights of one person, from their own OAuth authorization. */
export interface UserClient {
  readonly extensionId: string;
  /**
   * `PUT /restapi/v1.0/account/~/extension/{extensionId}/profile-image`, multipart with one part
   * named `image` (docs/ringcentral-notes.md §2.3). `extensionId` defaults to the person's own.
   * RingCentral refuses other people's extensions for non-admins (CMN-419 → kind 'forbidden').
   */
  setProfileImage(image: { bytes: Buffer; contentType: string }, extensionId?: string): Promise<void>;
  /** `GET /restapi/v1.0/account/~/extension/~` with the person's token. */
  getOwnExtension(): Promise<GetExtensionInfoResponse>;
  /** `POST /restapi/oauth/revoke`; errors are swallowed (RingCentral: do not retry revoke). */
  revoke(): Promise<void>;
}

/** Stored OAuth tokens of a person; times in ms since epoch. */
export interface UserTokens {
  accessToken: string;
  refreshToken?: string;
  accessExpiresAt: number;
  refreshExpiresAt?: number;
  scope?: string;
}

/**
 * Where user tokens live; implemented by the store (encrypted at rest). `save` must be atomic,
 * since refresh tokens are single use.
 */
export interface UserTokenVault {
  load(extensionId: string): Promise<UserTokens | undefined>;
  save(extensionId: string, tokens: UserTokens): Promise<void>;
  /**
   * Saves `fresh` only while the stored set is still `previous` (same refresh and access token);
   * resolves whether it did. Optional: without it `save` is used (one instance).
   */
  replace?(extensionId: string, previous: UserTokens, fresh: UserTokens): Promise<boolean>;
  remove(extensionId: string): Promise<void>;
}

/** A notification as RingCentral delivers it (WebHook body or WebSocket ServerNotification). */
export interface NotificationEnvelope {
  uuid: string;
  event: string;
  timestamp: string;
  subscriptionId: string;
  ownerId?: string;
  body: Record<string, unknown>;
}

/** Health of event delivery, shown by `GET /health`. */
export interface EventDeliveryStatus {
  mode: 'webhook' | 'websocket';
  state: 'starting' | 'active' | 'repairing' | 'waiting-for-bot' | 'stopped' | 'failed';
  subscriptionId?: string;
  expiresAt?: string;
  lastError?: string;
  /** What the platform last said about our subscription: its `status` (`Active`, `Blacklisted`, …) or `None` when it had none. */
  platformStatus?: string;
  /** When that was read, ISO 8601. */
  platformCheckedAt?: string;
  /** WebHook with several instances: whether this instance keeps the subscription (holds the lease). */
  keeper?: boolean;
}

/**
 * Why delivery may have missed notifications (catch-up should run): the first subscription after
 * start, a re-created or repaired one, a Blacklisted one seen, a WebSocket session that could not
 * be recovered.
 */
export type DeliveryGapReason = 'start' | 'subscription-created' | 'blacklisted' | 'expired' | 'websocket-not-recovered';

/**
 * The whole door to RingCentral for one app (client id/secret, server URL). Created once at start.
 */
export interface RingCentralPlatform {
  /** The bot's client; throws PlatformError kind 'unauthorized' before a bot token is installed. */
  bot(): BotClient;
  /** Whether a bot token is installed. */
  hasBot(): boolean;
  /**
   * Installs a private bot's token (long-lived; set with `auth().setData`, docs/ringcentral-notes.md §7.3),
   * looks up the bot's extension id (`GET /restapi/v1.0/account/~/extension/~`) and returns it.
   * Throws kind 'forbidden' when the token belongs to an extension whose `type` is not `Bot` (a
   * person's token posted to the install address), or to another bot while the installed bot's
   * token still works; 'unauthorized' / 'bot-removed' when RingCentral refuses the token.
   */
  installBotToken(accessToken: string): Promise<{ extensionId: string }>;
  /** Public bot install: exchanges `code` (authorization_code, Basic auth) for the bot token. */
  exchangeBotInstallCode(code: string, redirectUri: string): Promise<{ accessToken: string }>;
  /** Forgets the bot token (bot removed: OAU-232 / CMN-405). */
  uninstallBot(): void;
  /** The authorize URL for a person (authorization code + PKCE S256). */
  userAuthorizeUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string;
  /**
   * `POST /restapi/oauth/revoke` for a token that is not kept anywhere (e.g. one issued to a
   * person who signed in as someone else than who asked). Sent once; errors are swallowed
   * (docs/ringcentral-notes.md §2.1: revoking one token ends the whole session).
   */
  revokeUserToken(token: string): Promise<void>;
  /** Exchanges a person's authorization code; the extension id comes from `owner_id`. */
  exchangeUserCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<{ extensionId: string; tokens: UserTokens }>;
  /**
   * A client acting as the person, with tokens from the vault; refreshes when needed (one refresh
   * shared by concurrent calls, rotated tokens saved before use). Throws kind 'unauthorized' when
   * there are no tokens or they can't be refreshed (the vault entry is then removed).
   */
  user(extensionId: string): UserClient;
  /**
   * Keeps exactly one Active subscription for the bot: WebHook to `${publicUrl}/webhook` when
   * `publicUrl` is given, else WebSocket (events go to `onNotification`). Re-creates it when
   * missing, Blacklisted or expiring; retries SUB-406 after install with backoff.
   */
  startEventDelivery(params: {
    publicUrl?: string;
    verificationToken: string;
    onNotification: (envelope: NotificationEnvelope) => void;
    /**
     * WebHook: whether an existing Active subscription for our address may be kept. RingCentral
     * never returns a subscription's verification token (write-only), so the caller answers
     * false for one it did not create with the current token; it is then replaced. Default:
     * any Active one may be kept.
     */
    isCurrentSubscription?: (subscriptionId: string) => boolean;
    /**
     * WebHook: whether a subscription at another address is one this deployment made before (its
     * PUBLIC_URL has changed since): it is deleted, or RingCentral would keep delivering every
     * event to the old address too. Subscriptions the caller doesn't know are left alone.
     */
    isFormerSubscription?: (subscriptionId: string) => boolean;
    /** WebHook: called with the id of every subscription the platform creates. */
    onSubscriptionCreated?: (subscriptionId: string) => void;
    /**
     * WebHook: asked before each check; only when it resolves true may this instance create,
     * renew, update or delete subscriptions (several instances: one keeper at a time, by a store
     * lease). The others only read the state. Default: always.
     */
    mayKeepSubscription?: () => Promise<boolean>;
    /** Called when delivery may have had a gap (see DeliveryGapReason). */
    onDeliveryGap?: (reason: DeliveryGapReason) => void;
  }): Promise<void>;
  /** Re-checks the subscription now (also runs on a schedule and on renewal reminders). */
  checkSubscription(): Promise<void>;
  /**
   * Lets the platform look at a delivered notification first. Answers `true` when the platform
   * consumed it and the bot has nothing more to do: a subscription renewal reminder (a
   * subscription check is started) or the Delete event of the bot's own extension (the bot token
   * is forgotten and `onBotRemoved` runs). WebHook mode: the webhook route may call this for each
   * accepted delivery (optional; the periodic check covers reminders anyway). WebSocket mode: the
   * platform calls it itself and passes only the other notifications to `onNotification`.
   */
  handleNotification?(envelope: NotificationEnvelope): boolean;
  eventDeliveryStatus(): EventDeliveryStatus;
  /**
   * Shutdown: from now on a call that would have to wait past `deadline` (ms since epoch) for the
   * rate limits or a retry fails at once (PlatformError kind 'unavailable', `details.shuttingDown`)
   * instead of holding the drain past it.
   */
  finishBy(deadline: number): void;
  /**
   * Stops timers and sockets, and no call is sent after it (waiting and new ones fail with
   * `details.shuttingDown`); safe to call twice.
   */
  close(): Promise<void>;
}
