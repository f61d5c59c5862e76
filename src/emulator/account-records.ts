

/**
 * Records of the emulated account and its app: extensions and their profile images, the app,
 * authorization codes, issued tokens and rate-limit windows. Types only.
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
