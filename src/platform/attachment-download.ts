/**
 * Downloads a post attachment (a file people sent to the bot) safely:
 * - only from RingCentral: the configured server's origin, the media server's origin, and over
 *   https any host under `ringcentral.com` or `ringcentral.biz` (attachment links are pre-signed
 *   URLs on `media.ringcentral.com`, docs/ringcentral-notes.md §2.4), plus hosts the deployment adds;
 *   anything else throws kind 'forbidden-url' before a connection is made;
 * - the bot's token goes only to the configured server and media origins (other allowed hosts get
 *   no Authorization header; pre-signed links need none);
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
}

/** Whether a URL may be fetched under the policy, and whether it may carry the token. */
export function classifyAttachmentUrl(url: string, policy: AttachmentHostPolicy): { allowed: boolean; sendToken: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { allowed: false, sendToken: false };
  }
  if (u.username || u.password) return { allowed: false, sendToken: false };
  if (policy.trustedOrigins.some((o) => new URL(o).origin === u.origin)) return { allowed: true, sendToken: true };
  if (u.protocol !== 'https:') return { allowed: false, sendToken: false };
  const host = u.hostname.toLowerCase();
  const ringCentral = ['ringcentral.com', 'ringcentral.biz'].some((d) => host === d || host.endsWith(`.${d}`));
  const extra = (policy.extraHosts ?? []).some((h) => h.toLowerCase() === host);
  return { allowed: ringCentral || extra, sendToken: false };
}

/**
 * Fetches `url` with `fetch` (undici). `authorization` is the bot's header value, sent only where
 * the policy allows. Resolves `{bytes, contentType?}`; throws PlatformError 'forbidden-url',
 * 'too-large', 'not-found' (404), 'unauthorized'/'forbidden' (401/403), 'unavailable' (5xx, network).
 */
export async function downloadAttachment(
  url: string,
  maxBytes: number,
  policy: AttachmentHostPolicy,
  authorization: string | undefined,
): Promise<{ bytes: Buffer; contentType?: string }> {
  let current = url;
  for (let hop = 0; hop <= 3; hop++) {
    const { allowed, sendToken } = classifyAttachmentUrl(current, policy);
    if (!allowed) throw new PlatformError('forbidden-url', `attachment URL is not a RingCentral file link: ${describeUrl(current)}`);
    const headers: Record<string, string> = {};
    if (sendToken && authorization) headers.Authorization = authorization;
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual' });
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
