import { SDK } from '@ringcentral/sdk';
import { Jimp } from 'jimp';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/create-emulator.ts';

/** `GET /_emulator/state` as the platform part returns it. */
export interface EmulatorStateView {
  accountId: string;
  app: { clientId: string; clientSecret: string };
  adminJwt: string;
  bot?: { extensionId: string };
  users: { id: string; name: string; email: string; admin: boolean; hasPhoto: boolean; status: string }[];
}

let prefixCounter = 0;

/** Starts an emulator on port 0 with the given options. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return createEmulator({ port: 0, ...options });
}

/** Reads `GET /_emulator/state`. */
export async function emulatorState(emu: Emulator): Promise<EmulatorStateView> {
  const r = await fetch(`${emu.url}/_emulator/state`);
  return (await r.json()) as EmulatorStateView;
}

/** A fresh @ringcentral/sdk instance against the emulator with its own token cache. */
export function sdkFor(emu: Emulator, view: EmulatorStateView, extra: Record<string, unknown> = {}): SDK {
  prefixCounter += 1;
  return new SDK({
    server: emu.url,
    clientId: view.app.clientId,
    clientSecret: view.app.clientSecret,
    cachePrefix: `emu-test-${process.pid}-${prefixCounter}:`,
    ...extra,
  });
}

/** POSTs JSON to a control route and returns `{status, body}`. */
export async function control(emu: Emulator, path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${emu.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/** Gets a user access token for `extensionId` through the jwt-bearer grant (signed by the emulator). */
export async function tokenFor(emu: Emulator, view: EmulatorStateView, jwt = view.adminJwt, scope?: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt });
  if (scope) form.set('scope', scope);
  const r = await fetch(`${emu.url}/restapi/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  const json = (await r.json()) as { access_token?: string };
  if (r.status !== 200 || !json.access_token) throw new Error(`token request failed: ${r.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

/** A small solid-colour test image of the given size and type. */
export async function testImage(width: number, height: number, mime: 'image/png' | 'image/jpeg' | 'image/gif' = 'image/png'): Promise<Buffer> {
  const img = new Jimp({ width, height, color: 0xcc3355ff });
  return img.getBuffer(mime);
}

/** Builds a multipart/form-data body by hand: parts of `{name, filename?, contentType?, data}`. */
export function multipartBody(parts: { name: string; filename?: string; contentType?: string; data: Buffer | string }[]): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `----emutest${Date.now().toString(16)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Reads a RingCentral error body `{errorCode, errors}` from a fetch Response. */
export async function errorCodeOf(r: Response): Promise<string | undefined> {
  const json = (await r.json()) as { errorCode?: string; errors?: { errorCode: string }[] };
  return json.errorCode ?? json.errors?.[0]?.errorCode;
}

/** Reads a header-only PNG width/height of a PNG/JPEG/GIF buffer by decoding it with jimp. */
export async function dimensionsOf(bytes: Buffer): Promise<{ width: number; height: number }> {
  const img = await Jimp.fromBuffer(bytes);
  return { width: img.bitmap.width, height: img.bitmap.height };
}
