/**
 * The one place HTTP leaves for RingCentral: one @ringcentral/sdk instance per identity, pacing
 * per (identity, usage plan group), bounded retries on 429/503, and error mapping.
 *
 * Decisions (sources in docs/ringcentral-notes.md, §7 on the SDK):
 * - Every call is sent with the SDK's `retry: true`, which turns off the SDK's own one-shot
 *   401/429 retry (§7.6). A 401 would otherwise make the SDK drop the token and try a refresh
 *   ("Refresh token is missing" for a bot, wiping its token; §7.3), and its 429 retry would
 *   double ours. Retries, refreshes and waits are all decided here and in user-client.ts.
 * - The SDK's lazy refresh is switched off (`ensureLoggedIn` → no-op, the SDK README's recipe);
 *   user tokens are refreshed by user-client.ts so the rotated pair is saved before use.
 * - Each identity gets its own `cachePrefix` and its own in-memory localStorage (§7.5).
 */
import { SDK } from '@ringcentral/sdk';
import type { PlatformLogger } from './platform-logger.ts';
import { PlatformError } from './platform-errors.ts';
import { MemoryStorage } from './memory-storage.ts';
import { platformErrorFromResponse, parseRetryAfterMs } from './error-mapping.ts';
import { PastDeadlineError, UsagePlanPacer, readRateLimitHeaders, sleepOrWake, type SharedRateBudget } from './usage-plan-pacer.ts';
import {
  DEFAULT_GROUP_LIMITS,
  parseUsagePlanGroup,
  usagePlanGroupOf,
  type UsagePlanGroup,
} from './usage-plan-groups.ts';

/** The SDK's platform object (the SDK does not export the class type by name). */
export type SdkPlatform = ReturnType<SDK['platform']>;

/** How long and how often to retry a 429/503 (and network errors on idempotent calls). */
export interface RetryPolicy {
  /** Attempts in total, the first included; default 3. */
  maxAttempts: number;
  /** Total ms one call may spend waiting for `Retry-After` before giving up; default 120 000. */
  maxWaitMs: number;
  /** Wait when a 429/503 has no `Retry-After`, ms; default 30 000 (docs/ringcentral-notes.md §5: "retry after ≥30 s"). */
  defaultRetryAfterMs: number;
}

/** 3 attempts, at most 120 s of waiting per call, 30 s when `Retry-After` is absent. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, maxWaitMs: 120_000, defaultRetryAfterMs: 30_000 };

/** Which timeout a call gets: plain API calls, file downloads (media), uploads (multipart bodies). */
export type CallTimeoutKind = 'api' | 'download' | 'upload';

/** Longest one attempt of a call may take, ms, per kind: from sending to the last byte of the answer. */
export type CallTimeouts = Record<CallTimeoutKind, number>;

/** 20 s for API calls, 60 s for downloads, 120 s for uploads. */
export const DEFAULT_CALL_TIMEOUTS: CallTimeouts = { api: 20_000, download: 60_000, upload: 120_000 };

/** One identity's SDK instance. */
export interface IdentitySession {
  /** `bot`, `user:<extensionId>` or `app` (calls made before anyone is known, e.g. a code exchange). */
  readonly identity: string;
  readonly sdk: SDK;
  readonly platform: SdkPlatform;
  /** Whether calls carry the bot's token (bot-removed codes then apply). */
  readonly onBotToken: boolean;
}

/** One call. `url` is a path on the server or an absolute https URL (media host). */
export interface CallSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /** A JSON-able object, or a factory called once per attempt (streams/FormData are single use). */
  body?: unknown;
  bodyFactory?: () => unknown;
  headers?: Record<string, string>;
  /** For messages and logs, e.g. `createPost`. */
  what: string;
  /** Token calls: no bearer header. */
  skipAuthCheck?: boolean;
  /** Overrides the route table. */
  group?: UsagePlanGroup;
  /** Which timeout applies; default 'api' ('upload' when `bodyFactory` is set). */
  timeout?: CallTimeoutKind;
  /** Send once, never retry (token revocation: RingCentral says not to retry it). */
  noRetry?: boolean;
  /**
   * Not paced: for calls made before we know whose limits they count against (a code exchange
   * counts against the person who signed in). 429/503 are still waited out and retried.
   */
  unpaced?: boolean;
}

/** Settings of the HTTP layer; times in ms. */
export interface PlatformHttpOptions {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri?: string;
  logger: PlatformLogger;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeouts by kind, ms; defaults DEFAULT_CALL_TIMEOUTS. */
  timeouts?: Partial<CallTimeouts>;
  /** Requests in flight per (identity, group); default 4. */
  concurrency?: number;
  /** The deployment-wide budget per (identity, group) shared by every instance (the store's rate grants). */
  sharedRateBudget?: SharedRateBudget;
  /** Wall clock, ms. */
  now?: () => number;
  /** Waits ms or until the signal aborts (tests may shrink or record); default a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

type ErrorWithResponse = Error & { response?: Response | null };

/**
 * Sessions (one SDK instance per identity), pacers and the send/retry loop. Used by the bot and
 * user clients and by event delivery; never by the layers above `platform/`.
 */
export class PlatformHttp {
  readonly options: PlatformHttpOptions;
  readonly retry: RetryPolicy;
  readonly timeouts: CallTimeouts;
  readonly #pacers = new Map<string, UsagePlanPacer>();
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #log: PlatformLogger;
  /** Waits (pacer, retry) that would end after this fail at once (finishBy, close). */
  #deadline = Infinity;
  /** Closed: nothing is sent any more. */
  #closed = false;
  /** Wakes retry pauses when the deadline moves. */
  readonly #wake = new AbortController();

  constructor(options: PlatformHttpOptions) {
    this.options = options;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(options.retry ?? {}) };
    this.timeouts = { ...DEFAULT_CALL_TIMEOUTS, ...stripUndefined(options.timeouts ?? {}) };
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleepOrWake;
    this.#log = options.logger;
  }

  /** A new SDK instance for one identity, with its own token storage and SDK auto-refresh off. */
  createSession(identity: string, onBotToken: boolean): IdentitySession {
    const sdk = new SDK({
      server: this.options.serverUrl,
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      redirectUri: this.options.redirectUri ?? '',
      cachePrefix: `${identity}:`,
      localStorage: new MemoryStorage() as unknown as Storage,
      refreshDelayMs: 0,
      clearCacheOnRefreshError: false,
      appName: 'ringcentral-avatar-bot',
      appVersion: '0.1.0',
    });
    const platform = sdk.platform();
    (platform as { ensureLoggedIn: () => Promise<null> }).ensureLoggedIn = async () => null;
    return { identity, sdk, platform, onBotToken };
  }

  /** The pacer of one (identity, group), created with the group's documented default limits. */
  pacer(identity: string, group: UsagePlanGroup): UsagePlanPacer {
    const key = `${identity}|${group}`;
    let pacer = this.#pacers.get(key);
    if (!pacer) {
      const { limit, windowMs } = DEFAULT_GROUP_LIMITS[group];
      pacer = new UsagePlanPacer({
        group,
        limit,
        windowMs,
        concurrency: this.options.concurrency ?? 4,
        now: this.#now,
        sleep: this.#sleep,
        onWait: (ms, reason) => this.#log.info({ identity, group, waitMs: ms, reason }, 'pacing RingCentral calls'),
        shared: this.options.sharedRateBudget
          ? {
              budget: this.options.sharedRateBudget,
              key: key,
              onError: (err) => this.#log.warn({ err, identity, group }, 'shared rate budget unavailable; pacing this process alone'),
            }
          : undefined,
      });
      if (this.#deadline !== Infinity) pacer.refuseWaitsPast(this.#deadline);
      this.#pacers.set(key, pacer);
    }
    return pacer;
  }

  /**
   * For a stopping process: from now on a call that would have to wait past `deadline` (ms since
   * epoch) for RingCentral's rate limits or for a retry fails at once with PlatformError kind
   * 'unavailable' and `details.shuttingDown` (its work can't be done before the deadline; the
   * caller hands it to another instance or the next start). Calls that can go now still go.
   */
  finishBy(deadline: number): void {
    this.#deadline = Math.min(this.#deadline, deadline);
    for (const pacer of this.#pacers.values()) pacer.refuseWaitsPast(this.#deadline);
  }

  /**
   * Nothing is sent from now on: waiting and new calls fail at once (kind 'unavailable',
   * `details.shuttingDown`). Calls already on the wire are not cut off.
   */
  close(): void {
    this.#closed = true;
    this.finishBy(this.#now());
    this.#wake.abort();
  }

  #shuttingDown(spec: CallSpec, cause?: unknown): PlatformError {
    return new PlatformError('unavailable', `${spec.what}: not sent, the bot is shutting down`, { shuttingDown: true, ...(cause ? { cause } : {}) });
  }

  /** Sleeps `ms` before a retry, unless that ends past the deadline (then throws). */
  async #retryPause(spec: CallSpec, ms: number): Promise<void> {
    if (this.#closed || this.#now() + ms > this.#deadline) throw this.#shuttingDown(spec);
    await this.#sleep(ms, this.#wake.signal);
  }

  /** Forgets the pacers of an identity (e.g. a person who was forgotten). */
  dropPacers(identity: string): void {
    for (const key of [...this.#pacers.keys()]) if (key.startsWith(`${identity}|`)) this.#pacers.delete(key);
  }

  /**
   * Sends one call with pacing and bounded retries; resolves with the successful `Response`, its
   * body already read into memory (so the timeout covers the whole answer). Throws
   * `PlatformError`: kind 'rate-limited' / 'unavailable' after the retries (`details.retryAfterMs`
   * when known), else the kind of the error code (error-mapping.ts).
   *
   * Each attempt is aborted after its timeout (`spec.timeout`; time spent waiting for the pacer
   * does not count) and throws kind 'unavailable' with `details.timedOut`, at once: a stalled
   * call is not sent again here, whatever its method, so it never holds the caller past one
   * timeout. The caller retries with backoff where that is safe (the dispatcher re-runs the
   * event later, with its slot freed). Connection failures (no answer) of GET/PUT/DELETE are
   * retried here after 1, 2, 4… s within the retry policy.
   */
  async send(session: IdentitySession, spec: CallSpec): Promise<Response> {
    const group = spec.group ?? usagePlanGroupOf(spec.method, spec.url);
    const pacer = spec.unpaced ? undefined : this.pacer(session.identity, group);
    const run = <T>(send: (seq: number) => Promise<T>): Promise<T> => (pacer ? pacer.schedule(send) : send(0));
    const log = this.#log;
    const timeoutKind = spec.timeout ?? (spec.bodyFactory ? 'upload' : 'api');
    const timeoutMs = this.timeouts[timeoutKind];
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const started = this.#now();
      let signal: AbortSignal | undefined;
      try {
        if (this.#closed) throw this.#shuttingDown(spec);
        const response = await run(async (seq) => {
          if (this.#closed) throw this.#shuttingDown(spec);
          signal = AbortSignal.timeout(timeoutMs);
          try {
            const r = await session.platform.send({
              method: spec.method,
              url: spec.url,
              query: spec.query ? stripUndefined(spec.query) : undefined,
              body: spec.bodyFactory ? spec.bodyFactory() : spec.body,
              headers: spec.headers ? { ...spec.headers } : undefined,
              skipAuthCheck: spec.skipAuthCheck ?? false,
              retry: true,
              // node-fetch (the SDK's transport) honours the signal while connecting and reading.
              signal,
            } as Parameters<SdkPlatform['send']>[0]);
            if (pacer) this.#observe(pacer, seq, r);
            return await buffered(r);
          } catch (e) {
            const r = (e as ErrorWithResponse).response;
            if (r && pacer) this.#observe(pacer, seq, r);
            throw e;
          }
        });
        log.debug({ identity: session.identity, what: spec.what, method: spec.method, path: safePath(spec.url), status: response.status, group, ms: this.#now() - started }, 'RingCentral call');
        return response;
      } catch (e) {
        if (e instanceof PlatformError) throw e;
        if (e instanceof PastDeadlineError) throw this.#shuttingDown(spec, e);
        if (signal?.aborted && !(e as ErrorWithResponse).response) {
          log.warn({ identity: session.identity, what: spec.what, method: spec.method, path: safePath(spec.url), timeoutMs, kind: timeoutKind, group }, 'RingCentral call timed out');
          throw new PlatformError('unavailable', `${spec.what}: RingCentral did not answer within ${timeoutMs} ms`, { timedOut: true, cause: e });
        }
        const response = (e as ErrorWithResponse).response;
        if (!response) {
          // Network failure: no answer at all. Idempotent calls are retried after a short pause.
          const wait = Math.min(this.retry.defaultRetryAfterMs, 1000 * 2 ** (attempt - 1));
          const idempotent = spec.method !== 'POST' && spec.method !== 'PATCH';
          if (idempotent && !spec.noRetry && attempt < this.retry.maxAttempts && waitedMs + wait <= this.retry.maxWaitMs) {
            waitedMs += wait;
            log.warn({ identity: session.identity, what: spec.what, attempt, waitMs: wait, err: (e as Error).message }, 'RingCentral unreachable; retrying');
            await this.#retryPause(spec, wait);
            continue;
          }
          throw new PlatformError('unavailable', `${spec.what}: RingCentral unreachable (${(e as Error).message})`, { cause: e });
        }
        const status = response.status;
        const body = await readBody(response);
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.#now());
        log.debug({ identity: session.identity, what: spec.what, method: spec.method, path: safePath(spec.url), status, group, ms: this.#now() - started }, 'RingCentral call failed');
        if (status === 429 || status === 503) {
          const wait = retryAfterMs ?? this.retry.defaultRetryAfterMs;
          if (status === 429) pacer?.holdFor(wait); // every call of this identity and group waits, not only this one
          if (!spec.noRetry && attempt < this.retry.maxAttempts && waitedMs + wait <= this.retry.maxWaitMs) {
            waitedMs += wait;
            log.warn({ identity: session.identity, what: spec.what, status, attempt, waitMs: wait, group }, 'RingCentral asked us to wait; retrying');
            if (status === 503 || !pacer) await this.#retryPause(spec, wait);
            continue;
          }
          throw platformErrorFromResponse(status, body, { onBotToken: session.onBotToken, what: spec.what, retryAfterMs: wait });
        }
        throw platformErrorFromResponse(status, body, { onBotToken: session.onBotToken, what: spec.what, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      }
    }
  }

  /** `send` and parse the JSON answer (`{}` for an empty body). */
  async json<T>(session: IdentitySession, spec: CallSpec): Promise<T> {
    const response = await this.send(session, spec);
    const text = await response.text();
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new PlatformError('unavailable', `${spec.what}: RingCentral answered with something that is not JSON`, { status: response.status, cause });
    }
  }

  /**
   * `POST /restapi/oauth/token` with client authentication (Basic `clientId:clientSecret`),
   * form-encoded (docs/ringcentral-notes.md §2.1). Resolves with the token JSON. OAuth errors map to
   * kind 'unauthorized' (invalid_grant, …) or 'bad-request' (invalid_request).
   */
  async tokenRequest(session: IdentitySession, form: Record<string, string>, what: string, options: { unpaced?: boolean } = {}): Promise<TokenResponse> {
    const json = await this.json<TokenResponse>(session, {
      ...(options.unpaced ? { unpaced: true } : {}),
      method: 'POST',
      url: '/restapi/oauth/token',
      body: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: this.basicAuthHeader() },
      skipAuthCheck: true,
      what,
    });
    if (typeof json.access_token !== 'string' || json.access_token === '') {
      throw new PlatformError('unavailable', `${what}: the token answer has no access_token`);
    }
    return json;
  }

  /** `Basic base64(clientId:clientSecret)`. */
  basicAuthHeader(): string {
    return `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
  }

  #observe(pacer: UsagePlanPacer, seq: number, response: Response): void {
    const headers = readRateLimitHeaders((n) => response.headers.get(n), parseUsagePlanGroup);
    if (headers.group && headers.group !== pacer.group) {
      this.#log.debug({ expected: pacer.group, announced: headers.group }, 'RingCentral announced another usage plan group');
    }
    pacer.observe(seq, headers);
  }
}

/** A token answer (docs/ringcentral-notes.md §2.1 `TokenInfo`); times in seconds. */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number | string;
  refresh_token?: string;
  refresh_token_expires_in?: number | string;
  scope?: string;
  owner_id?: string | number;
  endpoint_id?: string;
}

/** Statuses whose Response may not carry a body (the Fetch standard's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The answer with its body read now (inside the attempt's timeout), as a global `Response`. */
async function buffered(r: Response): Promise<Response> {
  const bytes = NULL_BODY_STATUSES.has(r.status) ? null : new Uint8Array(await r.arrayBuffer());
  const headers = new Headers();
  r.headers.forEach((value, name) => headers.append(name, value));
  return new Response(bytes, { status: r.status, statusText: r.statusText, headers });
}

async function readBody(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Origin and path only: never a query (pre-signed media links carry signatures). */
export function safePath(url: string): string {
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  }
  return url.split('?')[0] ?? url;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
