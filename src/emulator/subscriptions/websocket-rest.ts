import { isApiPath } from '../api-error.ts';
import type { Caller, EmulatorState } from '../emulator-state.ts';

/**
 * REST over the WebSocket gateway, as @rc-ex/ws sends it with `restOverWebSocket: true`
 * (docs/ringcentral-notes.md §8.3 step 5): a `[{type:'ClientRequest', messageId, method, path,
 * headers, query?}, body?]` frame is an ordinary API call made on the socket's session, answered
 * with `[{type:'ClientRequest', messageId, status, headers}, body?]`.
 *
 * The call is executed against the emulator's own HTTP routes (a loopback request to
 * `state.baseUrl`), so it takes exactly the path an HTTP call takes: authentication with the
 * session owner's access token (the frame carries no Authorization header), rate limits, fault
 * injection, request recording, the same error bodies and the same `RCRequestId`.
 */

/** What a REST call over the socket answered. */
export interface SocketRestAnswer {
  status: number;
  /** Response headers in RingCentral's spelling (`Content-Type`, `RCRequestId`, `X-Rate-Limit-*`…). */
  headers: Record<string, string>;
  /** Parsed JSON, the text of a non-JSON answer, or undefined for an empty one. */
  body?: unknown;
}

/** How long a REST call over the socket may take before it is answered 504, ms. */
export const SOCKET_REST_TIMEOUT_MS = 60_000;

/** Request headers from the frame never passed on: the gateway decides these itself. */
const DROPPED_REQUEST_HEADERS = new Set(['authorization', 'host', 'content-length', 'connection', 'transfer-encoding', 'upgrade']);

/** Response headers relayed in the reply frame, by lower-case name → RingCentral's spelling. */
const RELAYED_RESPONSE_HEADERS: Record<string, string> = {
  'content-type': 'Content-Type',
  rcrequestid: 'RCRequestId',
  'retry-after': 'Retry-After',
  'www-authenticate': 'WWW-Authenticate',
  location: 'Location',
  etag: 'ETag',
  'x-rate-limit-group': 'X-Rate-Limit-Group',
  'x-rate-limit-limit': 'X-Rate-Limit-Limit',
  'x-rate-limit-remaining': 'X-Rate-Limit-Remaining',
  'x-rate-limit-window': 'X-Rate-Limit-Window',
};

/** True when `path` (query string allowed) is one the gateway relays to the REST routes. */
export function isSocketRestPath(path: string): boolean {
  const bare = path.split('?')[0] ?? '';
  // OAuth endpoints never go over the socket (@rc-ex/ws sends them over HTTPS).
  return isApiPath(bare) && !bare.startsWith('/restapi/oauth/');
}

/**
 * Executes one ClientRequest frame's call as `caller` against the emulator's routes.
 * `meta.query` is an object of string/number/boolean values or arrays of them; `body` is sent as
 * JSON when defined. Never throws: a failed loopback call answers 502/504 with a CMN error body.
 */
export async function executeSocketRest(
  state: EmulatorState,
  caller: Caller,
  meta: Record<string, unknown>,
  body: unknown,
): Promise<SocketRestAnswer> {
  const method = String(meta.method ?? 'GET').toUpperCase();
  const url = new URL(String(meta.path ?? '/'), state.baseUrl);
  const query = meta.query;
  if (typeof query === 'object' && query !== null) {
    for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined && item !== null) url.searchParams.append(k, String(item));
    }
  }
  const headers: Record<string, string> = {};
  const given = meta.headers;
  if (typeof given === 'object' && given !== null) {
    for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
      if (!DROPPED_REQUEST_HEADERS.has(k.toLowerCase()) && (typeof v === 'string' || typeof v === 'number')) headers[k] = String(v);
    }
  }
  headers.Authorization = `Bearer ${caller.token.accessToken}`;
  const init: RequestInit = { method, headers, redirect: 'manual', signal: AbortSignal.timeout(SOCKET_REST_TIMEOUT_MS) };
  if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (e) {
    const timedOut = (e as { name?: string }).name === 'TimeoutError';
    const [status, errorCode, message] = timedOut ? [504, 'CMN-504', 'Gateway Timeout'] : [502, 'CMN-502', 'Bad Gateway'];
    return { status, headers: { 'Content-Type': 'application/json' }, body: { errorCode, message, errors: [{ errorCode, message }] } };
  }
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    const spelled = RELAYED_RESPONSE_HEADERS[name];
    if (spelled) out[spelled] = value;
  });
  let parsed: unknown = text === '' ? undefined : text;
  if (text !== '' && /json/i.test(res.headers.get('content-type') ?? '')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return parsed === undefined ? { status: res.status, headers: out } : { status: res.status, headers: out, body: parsed };
}
