import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { SDK } from '@ringcentral/sdk';
import { SignJWT } from 'jose';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/create-emulator.ts';
import { waitUntil } from '../helpers/wait-until.ts';

/**
 * Test world for the messaging e2e tests: a real emulator on port 0, people created through
 * the control API, @ringcentral/sdk clients logged in with the JWT grant through the emulator's
 * OAuth, and a real koa WebHook receiver on its own port.
 */

export interface Person {
  id: string;
  name: string;
}

/** Starts an emulator with rate limits off (tests here are about messaging, not pacing). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return await createEmulator({ rateLimits: false, ...options });
}

/** JSON request to the emulator (control routes or API with a bearer token). */
export async function call(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Adds a user extension through `POST /_emulator/extensions`. */
export async function addPerson(emu: Emulator, firstName: string, lastName: string, type = 'User'): Promise<Person> {
  const email = `${firstName}.${lastName}@example.com`.toLowerCase();
  const res = await call(emu, 'POST', '/_emulator/extensions', {
    firstName,
    lastName,
    email,
    type,
    status: 'Enabled',
    admin: false,
  });
  if (res.status >= 300) throw new Error(`POST /_emulator/extensions → ${res.status} ${JSON.stringify(res.body)}`);
  const id = String(res.body.id ?? res.body.extensionId);
  return { id, name: `${firstName} ${lastName}` };
}

/** An SDK logged in as `extensionId` with a JWT (HS256 with the app's client secret, `sub` = extension id). */
export async function sdkFor(emu: Emulator, extensionId: string): Promise<SDK> {
  const { clientId, clientSecret } = emu.state.app;
  const jwt = await new SignJWT({ account: emu.state.accountId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(extensionId)
    .setIssuer(clientId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(clientSecret));
  const sdk = new SDK({
    server: emu.url,
    clientId,
    clientSecret,
    cachePrefix: `t-${extensionId}-${Math.random().toString(36).slice(2)}`,
  });
  await sdk.platform().login({ jwt });
  return sdk;
}

/** The access token an SDK currently holds. */
export async function tokenOf(sdk: SDK): Promise<string> {
  return (await sdk.platform().auth().data()).access_token as string;
}

/** Creates a chat through the control API. */
export async function addChat(emu: Emulator, type: string, members: string[], name?: string): Promise<{ id: string }> {
  const res = await call(emu, 'POST', '/_emulator/chats', { type, members, ...(name ? { name } : {}) });
  if (res.status !== 201) throw new Error(`POST /_emulator/chats → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: any;
  raw: string;
}

export type ReceiverMode = 'ok' | 'no-echo' | 'slow' | 'oversized' | 'fail' | 'wrong-echo';

/**
 * A real koa WebHook receiver on port 0. In mode `ok` it echoes `Validation-Token` and answers 200;
 * other modes misbehave on purpose (`slow` waits `slowMs` before answering, `fail` answers 500).
 * Every non-validation POST is recorded in `deliveries`.
 */
export class WebhookReceiver {
  mode: ReceiverMode = 'ok';
  slowMs = 1500;
  readonly deliveries: Delivery[] = [];
  validations = 0;
  private server?: http.Server;
  url = '';

  async start(): Promise<this> {
    const app = new Koa();
    app.use(async (ctx) => {
      const chunks: Buffer[] = [];
      for await (const c of ctx.req as AsyncIterable<Buffer>) chunks.push(c);
      const raw = Buffer.concat(chunks).toString('utf8');
      const validation = ctx.get('validation-token');
      if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
      if (validation) {
        this.validations += 1;
        if (this.mode === 'fail') {
          ctx.status = 500;
          return;
        }
        if (this.mode !== 'no-echo') ctx.set('Validation-Token', this.mode === 'wrong-echo' ? 'something-else' : validation);
        ctx.set('Content-Type', 'application/json');
        ctx.status = 200;
        ctx.body = this.mode === 'oversized' ? 'x'.repeat(2000) : '';
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      this.deliveries.push({ headers: ctx.req.headers, body, raw });
      ctx.status = this.mode === 'fail' ? 500 : 200;
      ctx.body = '';
    });
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
    this.server = http.createServer(app.callback());
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Waits (through waitUntil) until `check` returns a truthy value, and resolves with it; rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
  return waitUntil(() => check() || undefined, what, timeoutMs);
}

/** Whether the reference material in ../shared is present (contract tests skip without it). */
export const SHARED_DIR = new URL('../../../shared/', import.meta.url);

/** Moves the emulator clock forward through `POST /_emulator/clock`. */
export async function advanceClock(emu: Emulator, advanceMs: number): Promise<void> {
  const res = await call(emu, 'POST', '/_emulator/clock', { advanceMs });
  if (res.status >= 300) throw new Error(`POST /_emulator/clock → ${res.status}`);
}
