import { randomUUID } from 'node:crypto';

/**
 * The emulator's side of WebHook transport: the validation handshake at subscription time and
 * the notification POSTs (docs/ringcentral-notes.md §3 "Webhook mechanics").
 */

/** Largest validation response RingCentral accepts, bytes, status line and headers included (§3.1). */
export const VALIDATION_MAX_RESPONSE_BYTES = 1024;
/** User-Agent RingCentral's webhook client sends (docs/ringcentral-notes.md §3.3). */
export const WEBHOOK_USER_AGENT = 'RingCentral-Webhook/8.3';

export type ValidationResult = { ok: true } | { ok: false; errorCode: 'SUB-520' | 'SUB-521' | 'SUB-525'; message: string };

function responseSize(res: Response, body: ArrayBuffer): number {
  let size = Buffer.byteLength(`HTTP/1.1 ${res.status} ${res.statusText}\r\n\r\n`);
  res.headers.forEach((value, name) => {
    size += Buffer.byteLength(`${name}: ${value}\r\n`);
  });
  return size + body.byteLength;
}

/**
 * Runs the validation handshake against `address`: POST with an empty body and a random
 * `Validation-Token` header; the receiver must answer within `timeoutMs` (RingCentral: 3000)
 * with 200, echo the token in a `Validation-Token` response header, and keep the whole response
 * within 1024 bytes (§3.1). Outcomes (SPEC46 createSubscription error codes):
 * unreachable, timed out or non-2xx → SUB-521 "WebHook is not reachable";
 * token missing or different → SUB-520 "Validation Token is not returned";
 * response over 1024 bytes → SUB-525 "WebHook server response is invalid".
 * Never throws.
 */
export async function validateWebhook(address: string, timeoutMs: number, signal?: AbortSignal): Promise<ValidationResult> {
  const token = randomUUID();
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  let res: Response;
  let body: ArrayBuffer;
  try {
    res = await fetch(address, {
      method: 'POST',
      headers: { 'Validation-Token': token, 'Content-Type': 'application/json', 'User-Agent': WEBHOOK_USER_AGENT },
      body: '',
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
    body = await res.arrayBuffer();
  } catch {
    return { ok: false, errorCode: 'SUB-521', message: 'WebHook is not reachable' };
  }
  if (res.status < 200 || res.status > 299) return { ok: false, errorCode: 'SUB-521', message: 'WebHook is not reachable' };
  if (responseSize(res, body) > VALIDATION_MAX_RESPONSE_BYTES) {
    return { ok: false, errorCode: 'SUB-525', message: 'WebHook server response is invalid' };
  }
  if (res.headers.get('validation-token') !== token) {
    return { ok: false, errorCode: 'SUB-520', message: 'Validation Token is not returned' };
  }
  return { ok: true };
}

export type DeliveryResult = { ok: true } | { ok: false; reason: string };

/**
 * POSTs one notification envelope as JSON to a WebHook address with `Verification-Token`
 * (when the subscription has one). Success = a 2xx answer, body read, within `timeoutMs`.
 * Failure reasons mimic RingCentral's `blacklistedData.reason` texts (docs/ringcentral-notes.md §3.5):
 * `Webhook responses with code: [404], reason: [Not Found]`,
 * `I/O operation is failed. Details: [Read timed out]`, `… [Connection refused]`. Never throws.
 */
export async function postNotification(
  address: string,
  envelope: unknown,
  verificationToken: string | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=UTF-8',
    Accept: 'application/json',
    'User-Agent': WEBHOOK_USER_AGENT,
  };
  if (verificationToken !== undefined) headers['Verification-Token'] = verificationToken;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(address, {
      method: 'POST',
      headers,
      body: JSON.stringify(envelope),
      redirect: 'manual',
      signal: AbortSignal.any(signal ? [timeout, signal] : [timeout]),
    });
    await res.arrayBuffer();
    if (res.status < 200 || res.status > 299) {
      return { ok: false, reason: `Webhook responses with code: [${res.status}], reason: [${res.statusText}]` };
    }
    return { ok: true };
  } catch (err) {
    if (timeout.aborted) return { ok: false, reason: 'I/O operation is failed. Details: [Read timed out]' };
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const detail = code === 'ECONNREFUSED' ? 'Connection refused' : code ?? (err as Error).message;
    return { ok: false, reason: `I/O operation is failed. Details: [${detail}]` };
  }
}
