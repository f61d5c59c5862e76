/**
 * Downloads a post attachment (a file people sent to the bot) safely:
 * - only from RingCentral's file links: on the configured server's and media server's origins only
 *   under the file path prefixes (`/web/customer_files/` on RingCentral: attachment links are
 *   pre-signed URLs like `https://media.ringcentral.com/web/customer_files/…?Signature=…`,
 *   docs/ringcentral-notes.md §2.4; the emulator's prefix is configured), never an API path there;
 *   over https any host under `ringcentral.com` or `ringcentral.biz`, plus hosts the deployment
 *   adds, except their API paths (`/restapi/`, `/team-messaging/`, `/scim/`);
 *   anything else throws kind 'forbidden-url' before a connection is made;
 * - the bot's token goes only to file links on the configured server and media origins (other
 *   allowed hosts get no Authorization header; pre-signed links need none);
 * - the whole download (every hop, to the last byte) is bounded by `timeoutMs`: kind
 *   'unavailable' with `details.timedOut` when it is over;
 * - redirects are followed by hand (at most 3), each hop checked the same way;
 * - at most `maxBytes`: refused up front by `Content-Length`, and counted while streaming, so a
 *   lying or missing length stops at the cap (kind 'too-large').
 */
import { PlatformError } from './platform-errors.ts';

/** Which hosts attachments may come from, and which of them get the bot's token. */
export interface AttachmentHostPolicy {
  /** Origins that get the bot's token (server, media server), e.g. `https://platform.ringcentral.com`. */
  trustedOrigins: string[];
  /** Extra host names accepted over https (no token sent), e.g. a customer's file storage. */
  extraHosts?: string[];
  /** Path prefixes of file links on the trusted origins, e.g. `/web/customer_files/`; default that one. */
  filePathPrefixes?: string[];
}

/** Where RingCentral serves Team Messaging files on its media host (docs/ringcentral-notes.md §2.4 sample). */
export const RINGCENTRAL_FILE_PATH_PREFIXES: readonly string[] = ['/web/customer_files/'];

/** API paths: never an attachment, whatever the host. */
const API_PATH = /^\/(restapi|team-messaging|scim|analytics|rcvideo|ai|cx|webinar)(\/|$)/i;

/** Whether a URL may be fetched under the policy, and whether it may carry the token. */
export function classifyAttachmentUrl(url: string, policy: AttachmentHostPolicy): { allowed: boolean; sendToken: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { allowed: false, sendToken: false };
  }
  if (u.username || u.password) return { allowed: false, sendToken: false };
  // `new URL` has already resolved `..` and `%2e%2e` segments, so a prefix check on the pathname holds.
  const path = u.pathname;
  if (API_PATH.test(path)) return { allowed: false, sendToken: false };
  if (policy.trustedOrigins.some((o) => new URL(o).origin === u.origin)) {
    const prefixes = policy.filePathPrefixes ?? RINGCENTRAL_FILE_PATH_PREFIXES;
    const filePath = prefixes.some((p) => path.startsWith(p));
    return { allowed: filePath, sendToken: filePath };
  }
  if (u.protocol !== 'https:') return { allowed: false, sendToken: false };
  const host = u.hostname.toLowerCase();
  const ringCentral = ['ringcentral.com', 'ringcentral.biz'].some((d) => host === d || host.endsWith(`.${d}`));
  const extra = (policy.extraHosts ?? []).some((h) => h.toLowerCase() === host);
  return { allowed: ringCentral || extra, sendToken: false };
}

/**
 * Fetches `url` with `fetch` (undici). `authorization` is the bot's header value, sent only where
 * the policy allows. Resolves `{bytes, contentType?}`; throws PlatformError 'forbidden-url',
 * 'too-large', 'not-found' (404), 'unauthorized'/'forbidden' (401/403), 'unavailable' (5xx,
 * network, or not done within `timeoutMs`: `details.timedOut`).
 */
export async function downloadAttachment(
  url: string,
  maxBytes: number,
  policy: AttachmentHostPolicy,
  authorization: string | undefined,
  timeoutMs = 60_000,
): Promise<{ bytes: Buffer; contentType?: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await downloadWithin(url, maxBytes, policy, authorization, signal);
  } catch (e) {
    if (signal.aborted && !(e instanceof PlatformError && e.kind !== 'unavailable')) {
      throw new PlatformError('unavailable', `attachment download: no complete answer within ${timeoutMs} ms`, { timedOut: true, cause: e });
    }
    throw e;
  }
}

async function downloadWithin(
  url: string,
  maxBytes: number,
  policy: AttachmentHostPolicy,
  authorization: string | undefined,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; contentType?: string }> {
  let current = url;
  for (let hop = 0; hop <= 3; hop++) {
    const { allowed, sendToken } = classifyAttachmentUrl(current, policy);
    if (!allowed) throw new PlatformError('forbidden-url', `attachment URL is not a RingCentral file link: ${describeUrl(current)}`);
    const headers: Record<string, string> = {};
    if (sendToken && authorization) headers.Authorization = authorization;
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual', signal });
    } catch (cause) {
      throw new PlatformError('unavailable', `attachment download failed: ${(cause as Error).message}`, { cause });
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location) throw new PlatformError('unavailable', `attachment download: redirect without Location (${response.status})`, { status: response.status });
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      const status = response.status;
      const kind = status === 404 ? 'not-found' : status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status >= 500 ? 'unavailable' : 'bad-request';
      throw new PlatformError(kind, `attachment download: HTTP ${status}`, { status });
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new PlatformError('too-large', `attachment is ${declared} bytes, more than ${maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel();
          throw new PlatformError('too-large', `attachment is more than ${maxBytes} bytes`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    const contentType = response.headers.get('content-type') ?? undefined;
    return contentType ? { bytes: Buffer.concat(chunks, total), contentType } : { bytes: Buffer.concat(chunks, total) };
  }
  throw new PlatformError('unavailable', 'attachment download: too many redirects');
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(not a URL)';
  }
}
