import { EventEmitter } from 'node:events';
import { EmulatorClock } from './emulator-clock.ts';
import type { AuthorizationCode, EmulatorApp, EmulatorExtension, IssuedToken, RateLimitWindow } from './account-records.ts';
import type { EmulatorCard, EmulatorChat, EmulatorFile, EmulatorGuest, EmulatorPost, EmulatorSubscription } from './messaging-records.ts';

/**
 * The emulator's whole in-memory world. Route modules read and change it; nothing is persisted.
 * Ids are decimal strings like RingCentral's; `nextId()` hands them out deterministically so a
 * reset with the same seed gives the same ids.
 *
 * Ownership: the platform part (OAuth, extensions, profile images, control API) and the
 * messaging part (chats, posts, files, cards, subscriptions, WebSocket gateway) both live on
 * this object; add fields here rather than keeping module-level state.
 */

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
