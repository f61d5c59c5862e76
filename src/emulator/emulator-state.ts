import { EventEmitter } from 'node:events';
import { EmulatorClock } from './emulator-clock.ts';

/**
 * The emulator's whole in-memory world. Route modules read and change it; nothing is persisted.
 * Ids are decimal strings like RingCentral's; `nextId()` hands them out deterministically so a
 * reset with the same seed gives the same ids.
 *
 * Ownership: the platform part (OAuth, extensions, profile images, control API) and the
 * messaging part (chats, posts, files, cards, subscriptions, WebSocket gateway) both live on
 * this object; add fields here rather than keeping module-level state.
 */

export type ExtensionType =
  | 'User'
  | 'Bot'
  | 'Department'
  | 'Announcement'
  | 'Voicemail'
  | 'DigitalUser'
  | 'VirtualUser'
  | 'FaxUser'
  | 'PagingOnly'
  | 'SharedLinesGroup'
  | 'IvrMenu'
  | 'ApplicationExtension'
  | 'ParkLocation'
  | 'Limited'
  | 'Site'
  | 'DelegatedLinesGroup'
  | 'GroupCallPickup';

export type ExtensionStatus = 'Enabled' | 'Disabled' | 'Frozen' | 'NotActivated' | 'Unassigned';

/** The profile image of one extension: the original upload and its real resized scales. */
export interface ProfileImageRecord {
  original: Buffer;
  contentType: 'image/jpeg' | 'image/png' | 'image/gif';
  /** Scale size (`90x90`, `195x195`, `584x584`) → resized bytes, same content type as original. */
  scales: Map<string, Buffer>;
  etag: string;
  /** ISO 8601. */
  lastModified: string;
}

export interface EmulatorExtension {
  id: string;
  extensionNumber: string;
  type: ExtensionType;
  status: ExtensionStatus;
  firstName: string;
  lastName: string;
  email: string;
  department?: string;
  /** `permissions.admin.enabled` in the API. */
  admin: boolean;
  profileImage?: ProfileImageRecord;
}

export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Registered redirect URIs (OAuth authorize + bot install). Empty = any URI accepted. */
  redirectUris: string[];
  /** App permissions (scopes) granted to every token of this app unless a token request narrows them. */
  scopes?: string[];
}

/** An authorization code issued by the consent page, exchanged once at `/restapi/oauth/token`. */
export interface AuthorizationCode {
  code: string;
  clientId: string;
  extensionId: string;
  redirectUri?: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'plain' | 'S256';
  /** ms since epoch, emulator clock (RingCentral: 60 s after issue). */
  expiresAt: number;
  used: boolean;
}

/** Sliding-window counter for one (caller extension, app, usage plan group). */
export interface RateLimitWindow {
  /** Emulator-clock ms of the requests counted in the current window, oldest first. */
  hits: number[];
  /** While set and in the future, every request gets 429 and pushes it forward by one penalty. */
  penaltyUntil?: number;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken?: string;
  kind: 'user' | 'bot';
  extensionId: string;
  clientId: string;
  scopes: string[];
  sessionId: string;
  /** ms since epoch, emulator clock. */
  accessExpiresAt: number;
  refreshExpiresAt?: number;
  revoked: boolean;
}

export type ChatType = 'Direct' | 'Group' | 'Team' | 'Personal' | 'Everyone';

export interface EmulatorChat {
  id: string;
  type: ChatType;
  name?: string;
  description?: string;
  members: string[];
  creationTime: string;
  lastModifiedTime: string;
}

export interface EmulatorMention {
  id: string;
  type: 'Person' | 'Team' | 'File' | 'Link' | 'Event' | 'Task' | 'Note' | 'Card';
  name?: string;
}

export interface EmulatorAttachment {
  id: string;
  type: 'File' | 'Card' | 'Event' | 'Note' | 'Task';
  name?: string;
  contentUri?: string;
  contentType?: string;
  size?: number;
}

export interface EmulatorPost {
  id: string;
  groupId: string;
  type: 'TextMessage' | 'PersonJoined' | 'PersonsAdded';
  text: string;
  creatorId: string;
  mentions: EmulatorMention[];
  attachments: EmulatorAttachment[];
  creationTime: string;
  lastModifiedTime: string;
  /** Set when the post is an adaptive card's post. */
  cardId?: string;
}

/** A guest (non-RingCentral) Team Messaging person; ids look like `glip-3770114054` (docs/ringcentral-notes.md §2.4). */
export interface EmulatorGuest {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  creationTime: string;
}

export interface EmulatorFile {
  id: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  groupId?: string;
  creatorId: string;
}

export interface EmulatorCard {
  id: string;
  chatId: string;
  creatorId: string;
  /** The adaptive card JSON as posted. */
  card: Record<string, unknown>;
  creationTime: string;
  lastModifiedTime: string;
}

export interface EmulatorSubscription {
  id: string;
  eventFilters: string[];
  transportType: 'WebHook' | 'WebSocket';
  address?: string;
  verificationToken?: string;
  status: 'Active' | 'Suspended' | 'Blacklisted';
  creationTime: string;
  /** ms since epoch, emulator clock. */
  expiresAt: number;
  expiresIn: number;
  ownerExtensionId: string;
  clientId: string;
  /** Consecutive failed or slow deliveries. */
  failedDeliveries: number;
  blacklistedData?: { blacklistedAt: string; reason: string };
}

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  status: number;
  /** Usage plan group (`Light`, `Medium`, `Heavy`, `Auth`) or undefined for control/media routes. */
  group?: string;
  callerExtensionId?: string;
}

export interface InjectedFault {
  method?: string;
  /** Matches when the request path equals it or starts with it; `*` matches every API path. */
  path: string;
  status: number;
  errorCode?: string;
  remaining: number;
  delayMs?: number;
  retryAfterSeconds?: number;
}

/**
 * Something happened that subscriptions may be notified of. `event` is the concrete event path,
 * e.g. `/restapi/v1.0/account/37439510/extension/62264425` or `/team-messaging/v1/posts`;
 * the subscription module matches it against each subscription's event filters.
 */
export interface PlatformEvent {
  event: string;
  body: Record<string, unknown>;
  /** Extension ids allowed to receive it (e.g. chat members); undefined = anyone subscribed. */
  audience?: string[];
}

/** Options every part of the emulator reads. */
export interface EmulatorSettings {
  /** Rate limits on (default true). */
  rateLimits: boolean;
  /** Multiplies every time window (rate-limit windows, penalties); 1 = RingCentral's real 60 s. */
  timeScale: number;
  /** Failed or slow WebHook deliveries after which a subscription is Blacklisted (default 5). */
  blacklistAfterFailures: number;
  /** WebHook delivery/validation timeout in ms (RingCentral: 3000). */
  webhookTimeoutMs: number;
}

/** Who made an API request, set by the authentication middleware on `ctx.state.caller`. */
export interface Caller {
  token: IssuedToken;
  extensionId: string;
  clientId: string;
}

/**
 * Everything the emulator knows, in memory: the account, the app, extensions, tokens, chats,
 * posts, files, cards, subscriptions, recorded requests and faults, plus the clock, the event
 * bus and the settings. One instance per `createEmulator()`; `POST /_emulator/reset` clears its
 * maps in place (the object itself is shared by the platform and messaging parts).
 */
export class EmulatorState {
  readonly clock = new EmulatorClock();
  /** Emits `'event'` with a PlatformEvent; the subscription module listens. */
  readonly bus = new EventEmitter();
  settings: EmulatorSettings = { rateLimits: true, timeScale: 1, blacklistAfterFailures: 5, webhookTimeoutMs: 3000 };
  /** The emulator's own base URL once listening, e.g. `http://127.0.0.1:3001`. */
  baseUrl = '';
  accountId = '37439510';
  app: EmulatorApp = {
    clientId: 'emulator-client-id',
    clientSecret: 'emulator-client-secret',
    name: 'Avatar bot (emulator)',
    redirectUris: [],
  };
  extensions = new Map<string, EmulatorExtension>();
  tokens = new Map<string, IssuedToken>();
  chats = new Map<string, EmulatorChat>();
  posts = new Map<string, EmulatorPost>();
  files = new Map<string, EmulatorFile>();
  cards = new Map<string, EmulatorCard>();
  subscriptions = new Map<string, EmulatorSubscription>();
  /** Guest persons by `glip-…` id (messaging part). */
  guests = new Map<string, EmulatorGuest>();
  requests: RecordedRequest[] = [];
  faults: InjectedFault[] = [];
  /** Refresh token → the token record it belongs to (same object as in `tokens`). */
  refreshTokens = new Map<string, IssuedToken>();
  /**
   * A refresh token that was just used → the answer it got, replayed when the same token comes
   * back within the grace period (RingCentral: about 10 s, docs/ringcentral-notes.md §2.1).
   */
  refreshGrace = new Map<string, { response: Record<string, unknown>; token: IssuedToken; until: number }>();
  /** Authorization code → its grant (OAuth authorization code flow). */
  authCodes = new Map<string, AuthorizationCode>();
  /** Rate-limit windows keyed `<extensionId>|<clientId>|<group>`. */
  rateLimits = new Map<string, RateLimitWindow>();
  /** HS256 key the emulator signs JWT credentials (`adminJwt`) with. */
  jwtSecret = 'emulator-jwt-signing-key-not-a-secret-0123456789';
  /** A JWT credential for the seeded admin (jwt-bearer grant), set by reset/seed. */
  adminJwt = '';
  /** The installed bot's extension id, once a bot is installed. */
  botExtensionId?: string;
  private idCounter = 100_000_000;

  /** Restarts id numbering (used by `POST /_emulator/reset` so a seed gives the same ids). */
  resetIds(): void {
    this.idCounter = 100_000_000;
  }

  /** A fresh numeric id as a string; deterministic within one state's life. */
  nextId(): string {
    this.idCounter += 1;
    return String(this.idCounter);
  }

  /** Announces a PlatformEvent to subscriptions. */
  publish(event: PlatformEvent): void {
    this.bus.emit('event', event);
  }

  /** ISO 8601 time from the emulator clock. */
  isoNow(): string {
    return this.clock.date().toISOString();
  }
}
