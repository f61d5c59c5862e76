/**
 * The bot's own client: Team Messaging and extension calls with the bot's long-lived token.
 * Paths, groups and answer shapes: docs/ringcentral-notes.md §2.2–§2.4.
 */
import type {
  AdaptiveCard,
  BotClient,
  GetExtensionInfoResponse,
  GetExtensionListResponse,
  ListExtensionsQuery,
  Page,
  PageQuery,
  ProfileImageScaleSize,
  TMChatInfo,
  TMPersonInfo,
  TMPostInfo,
} from './ringcentral-client.ts';
import FormData from 'form-data';
import { PlatformError } from './platform-errors.ts';
import type { CallSpec, IdentitySession, PlatformHttp } from './platform-http.ts';
import { downloadAttachment, type AttachmentHostPolicy } from './attachment-download.ts';

/** What a bot client needs from the platform. */
export interface BotClientDeps {
  http: PlatformHttp;
  session: IdentitySession;
  /** Base URL for media calls (scaled profile images), e.g. `https://media.ringcentral.com`. */
  mediaServerUrl: string;
  attachmentPolicy: AttachmentHostPolicy;
  /** Longest a whole attachment download may take, ms. */
  downloadTimeoutMs: number;
  /** Called with a kind 'bot-removed' error before it is rethrown. */
  onBotRemoved: (error: PlatformError) => void;
}

const enc = encodeURIComponent;

/** Posts per page when looking back for the bot's own posts (RingCentral's maximum `recordCount`). */
const OWN_POSTS_PER_PAGE = 250;
/** Pages at most that {@link RingCentralBotClient.ownPostsSince} reads: 2,500 posts for 10 Medium calls. */
const OWN_POSTS_MAX_PAGES = 10;

function pageQuery(q: PageQuery): string {
  const params = new URLSearchParams();
  if (q.recordCount !== undefined) params.set('recordCount', String(q.recordCount));
  if (q.pageToken) params.set('pageToken', q.pageToken);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** `BotClient` over one SDK session holding the bot token. */
export class RingCentralBotClient implements BotClient {
  readonly extensionId: string;
  readonly #d: BotClientDeps;

  constructor(extensionId: string, deps: BotClientDeps) {
    this.extensionId = extensionId;
    this.#d = deps;
  }

  async #json<T>(spec: CallSpec): Promise<T> {
    try {
      return await this.#d.http.json<T>(this.#d.session, spec);
    } catch (e) {
      this.#noteBotRemoved(e);
      throw e;
    }
  }

  async #send(spec: CallSpec): Promise<Response> {
    try {
      return await this.#d.http.send(this.#d.session, spec);
    } catch (e) {
      this.#noteBotRemoved(e);
      throw e;
    }
  }

  #noteBotRemoved(e: unknown): void {
    if (e instanceof PlatformError && e.kind === 'bot-removed') this.#d.onBotRemoved(e);
  }

  /**
   * `POST /team-messaging/v1/chats/{chatId}/posts` (Medium) → the created post (201). Never sent
   * twice here. When the call times out, the chat is looked through ({@link ownPostsSince}) and
   * the bot's own post with this text, created since the call started, is taken as the answer;
   * if there is none, the timeout is thrown (kind 'unavailable', `details.timedOut`) so the
   * caller may send it again later.
   */
  async createPost(chatId: string, text: string, attachments?: Array<{ id: string; type: 'File' }>): Promise<TMPostInfo> {
    const body: Record<string, unknown> = { text };
    if (attachments && attachments.length > 0) body.attachments = attachments;
    const startedAt = Date.now();
    try {
      return await this.#json<TMPostInfo>({ method: 'POST', url: `/team-messaging/v1/chats/${enc(chatId)}/posts`, body, what: 'createPost' });
    } catch (e) {
      if (!(e instanceof PlatformError && e.details.timedOut)) throw e;
      const landed = await this.#findOwnPost(chatId, text, startedAt).catch(() => undefined);
      if (landed) return landed;
      throw e;
    }
  }

  /**
   * The bot's newest post in the chat with exactly this text, created at or after `sinceMs`
   * (RingCentral's `creationTime` against our clock: no allowance for skew, since an older post
   * with the same text, e.g. an earlier help answer, must not pass for this one).
   */
  async #findOwnPost(chatId: string, text: string, sinceMs: number): Promise<TMPostInfo | undefined> {
    return (await this.ownPostsSince(chatId, sinceMs)).find((p) => p.text === text);
  }

  /**
   * The bot's own posts in the chat whose `creationTime` is at or after `sinceMs` (ms since
   * epoch, our clock): how a retry learns whether an earlier attempt's post landed. Pages back
   * through `GET …/chats/{chatId}/posts?recordCount=250&pageToken=` (Medium; newest first,
   * `navigation.nextPageToken` leads further back: docs/ringcentral-notes.md#tm-paging) until a
   * page reaches a post created before `sinceMs` or there is no further page. Bound: at most
   * {@link OWN_POSTS_MAX_PAGES} pages (10 Medium calls, 2,500 posts); a post pushed further back
   * than that by newer posts is not found, and the caller then sends again (one extra post).
   * A post listed twice (the chat grew between pages) is returned once.
   */
  async ownPostsSince(chatId: string, sinceMs: number): Promise<TMPostInfo[]> {
    const own = new Map<string, TMPostInfo>();
    let pageToken: string | undefined;
    for (let page = 0; page < OWN_POSTS_MAX_PAGES; page++) {
      const list = await this.#json<Page<TMPostInfo>>({
        method: 'GET',
        url: `/team-messaging/v1/chats/${enc(chatId)}/posts${pageQuery({ recordCount: OWN_POSTS_PER_PAGE, ...(pageToken ? { pageToken } : {}) })}`,
        what: 'findOwnPost',
      });
      let reachedOlder = false;
      for (const p of list.records ?? []) {
        const created = Date.parse(p.creationTime ?? '');
        if (created < sinceMs) reachedOlder = true;
        else if (String(p.creatorId) === this.extensionId && Number.isFinite(created)) own.set(String(p.id), p);
      }
      pageToken = list.navigation?.nextPageToken;
      if (reachedOlder || !pageToken || !list.records?.length) break;
    }
    return [...own.values()];
  }

  /** `PATCH /team-messaging/v1/chats/{chatId}/posts/{postId}` (Medium) → the updated post. */
  updatePost(chatId: string, postId: string, text: string): Promise<TMPostInfo> {
    return this.#json<TMPostInfo>({ method: 'PATCH', url: `/team-messaging/v1/chats/${enc(chatId)}/posts/${enc(postId)}`, body: { text }, what: 'updatePost' });
  }

  /** `POST /team-messaging/v1/chats/{chatId}/adaptive-cards` (Medium) → `{id}` of the card. */
  async createCard(chatId: string, card: AdaptiveCard): Promise<{ id: string }> {
    const r = await this.#json<{ id?: unknown }>({ method: 'POST', url: `/team-messaging/v1/chats/${enc(chatId)}/adaptive-cards`, body: card, what: 'createCard' });
    if (typeof r.id !== 'string' && typeof r.id !== 'number') throw new PlatformError('unavailable', 'createCard: the answer has no card id');
    return { id: String(r.id) };
  }

  /** `PUT /team-messaging/v1/adaptive-cards/{cardId}` (Medium). */
  async updateCard(cardId: string, card: AdaptiveCard): Promise<void> {
    await this.#json({ method: 'PUT', url: `/team-messaging/v1/adaptive-cards/${enc(cardId)}`, body: card, what: 'updateCard' });
  }

  /** `POST /team-messaging/v1/conversations` `{members:[{id}]}` (Medium) → the Direct chat's id. */
  async openDirectChat(extensionId: string): Promise<string> {
    const r = await this.#json<{ id?: unknown }>({ method: 'POST', url: '/team-messaging/v1/conversations', body: { members: [{ id: extensionId }] }, what: 'openDirectChat' });
    if (typeof r.id !== 'string' && typeof r.id !== 'number') throw new PlatformError('unavailable', 'openDirectChat: the answer has no chat id');
    return String(r.id);
  }

  /** `GET /team-messaging/v1/chats/{chatId}` (Light); 404 → kind 'not-found'. */
  getChat(chatId: string): Promise<TMChatInfo> {
    return this.#json<TMChatInfo>({ method: 'GET', url: `/team-messaging/v1/chats/${enc(chatId)}`, what: 'getChat' });
  }

  /** `GET /team-messaging/v1/chats?recordCount=&pageToken=` (Medium): one page of the bot's chats. */
  listChats(query: PageQuery = {}): Promise<Page<TMChatInfo>> {
    return this.#json<Page<TMChatInfo>>({ method: 'GET', url: `/team-messaging/v1/chats${pageQuery(query)}`, what: 'listChats' });
  }

  /** `GET /team-messaging/v1/chats/{chatId}/posts?recordCount=&pageToken=` (Medium): one page of a chat's posts, newest first. */
  listPosts(chatId: string, query: PageQuery = {}): Promise<Page<TMPostInfo>> {
    return this.#json<Page<TMPostInfo>>({ method: 'GET', url: `/team-messaging/v1/chats/${enc(chatId)}/posts${pageQuery(query)}`, what: 'listPosts' });
  }

  /** `GET /team-messaging/v1/persons/{personId}` (Light); 404 → kind 'not-found'. */
  getPerson(personId: string): Promise<TMPersonInfo> {
    return this.#json<TMPersonInfo>({ method: 'GET', url: `/team-messaging/v1/persons/${enc(personId)}`, what: 'getPerson' });
  }

  /** `GET /restapi/v1.0/account/~/extension/{id}` (Light); CMN-102 / 404 → kind 'not-found'. */
  getExtension(extensionId: string): Promise<GetExtensionInfoResponse> {
    return this.#json<GetExtensionInfoResponse>({ method: 'GET', url: `/restapi/v1.0/account/~/extension/${enc(extensionId)}`, what: 'getExtension' });
  }

  /** `GET /restapi/v1.0/account/~/extension` (Medium): one page; arrays become repeated keys. */
  listExtensions(query: ListExtensionsQuery): Promise<GetExtensionListResponse> {
    return this.#json<GetExtensionListResponse>({
      method: 'GET',
      url: '/restapi/v1.0/account/~/extension',
      query: { page: query.page, perPage: query.perPage, type: query.type, status: query.status },
      what: 'listExtensions',
    });
  }

  /**
   * `GET {media}/restapi/v1.0/account/~/extension/{id}/profile-image/{scaleSize}` (Medium; the
   * scaled image is served by the media entry point, docs/ringcentral-notes.md §2.3). Resolves the bytes,
   * content type and ETag; `undefined` when the extension has no image (404 other than CMN-102,
   * e.g. ACT-333). An unknown extension (CMN-102) throws kind 'not-found'.
   */
  async getProfileImage(extensionId: string, scale: ProfileImageScaleSize): Promise<{ bytes: Buffer; contentType: string; etag?: string } | undefined> {
    let response: Response;
    try {
      response = await this.#send({
        method: 'GET',
        url: `${this.#d.mediaServerUrl}/restapi/v1.0/account/~/extension/${enc(extensionId)}/profile-image/${enc(scale)}`,
        what: 'getProfileImage',
        timeout: 'download',
      });
    } catch (e) {
      if (e instanceof PlatformError && e.kind === 'not-found' && e.details.errorCode !== 'CMN-102') return undefined;
      throw e;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
    const etag = response.headers.get('etag');
    return etag ? { bytes, contentType, etag } : { bytes, contentType };
  }

  /**
   * `POST /team-messaging/v1/files?groupId=&name=` (Heavy), multipart with one part `body`
   * (docs/ringcentral-notes.md §2.4) → the first file's `{id, contentUri}`. Uploading with `groupId`
   * also shows the file in that chat.
   */
  async uploadFile(chatId: string, name: string, bytes: Buffer, contentType: string): Promise<{ id: string; contentUri: string }> {
    const r = await this.#json<unknown>({
      method: 'POST',
      url: '/team-messaging/v1/files',
      query: { groupId: chatId, name },
      bodyFactory: () => {
        const form = new FormData();
        form.append('body', bytes, { filename: name, contentType, knownLength: bytes.length });
        return form;
      },
      what: 'uploadFile',
    });
    const first = (Array.isArray(r) ? r[0] : r) as { id?: unknown; contentUri?: unknown } | undefined;
    if (!first || (typeof first.id !== 'string' && typeof first.id !== 'number') || typeof first.contentUri !== 'string') {
      throw new PlatformError('unavailable', 'uploadFile: the answer has no file id or contentUri');
    }
    return { id: String(first.id), contentUri: first.contentUri };
  }

  /** See attachment-download.ts: RingCentral file links only, `maxBytes` enforced while streaming, bounded in time. */
  async downloadAttachment(contentUri: string, maxBytes: number): Promise<{ bytes: Buffer; contentType?: string }> {
    const auth = await this.#d.session.platform.auth().data();
    const authorization = auth.access_token ? `Bearer ${auth.access_token}` : undefined;
    return downloadAttachment(contentUri, maxBytes, this.#d.attachmentPolicy, authorization, this.#d.downloadTimeoutMs);
  }
}
