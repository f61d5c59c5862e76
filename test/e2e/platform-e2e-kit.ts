/**
 * End-to-end kit for the platform tests: the real emulator on port 0, a real koa receiver on
 * port 0 playing the bot's HTTP side (private-bot install at `/oauth`, WebHook at `/webhook`
 * with the Validation-Token echo and the Verification-Token check), and a platform wired to both.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/create-emulator.ts';
import { createRingCentralPlatform, type RingCentralPlatformOptions } from '../../src/platform/create-ringcentral-platform.ts';
import type { NotificationEnvelope } from '../../src/platform/ringcentral-client.ts';
import { memoryVault, recordingLogger } from '../unit/platform/platform-fakes.ts';
import { waitUntil } from '../helpers/wait-until.ts';

export interface EmulatorView {
  accountId: string;
  app: { clientId: string; clientSecret: string };
  bot?: { extensionId: string };
  users: Array<{ id: string; name: string; email: string; admin: boolean; hasPhoto: boolean }>;
  chats: Array<{ id: string; type: string; name?: string; members: string[] }>;
  subscriptions: Array<{ id: string; status: string; transportType: string; address?: string; expirationTime: string }>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return createEmulator({ port: 0, seed: { users: 6, withPhotoRatio: 0.5 }, ...options });
}

export async function view(emu: Emulator): Promise<EmulatorView> {
  const r = await fetch(`${emu.url}/_emulator/state`);
  return (await r.json()) as EmulatorView;
}

/** POSTs JSON to a control route; throws on a non-2xx answer. */
export async function control<T = any>(emu: Emulator, path: string, body: unknown = {}, method = 'POST'): Promise<T> {
  const r = await fetch(`${emu.url}/_emulator${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'GET' ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`control ${path}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface Receiver {
  url: string;
  /** Bot tokens POSTed to `/oauth`. */
  botTokens: string[];
  /** Validation handshakes answered. */
  handshakes: number;
  /** Deliveries with the right Verification-Token. */
  notifications: NotificationEnvelope[];
  /** Deliveries refused for a wrong or missing Verification-Token. */
  refused: number;
  verificationToken: string;
  close(): Promise<void>;
}

/** A koa app on 127.0.0.1:0 playing the bot's install and WebHook routes. */
export async function startReceiver(verificationToken = 'verify-me-123'): Promise<Receiver> {
  const app = new Koa();
  const receiver: Receiver = { url: '', botTokens: [], handshakes: 0, notifications: [], refused: 0, verificationToken, close: async () => undefined };
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(async (ctx) => {
    if (ctx.method === 'POST' && ctx.path === '/oauth') {
      const body = ctx.request.body as Record<string, unknown>;
      if (typeof body.access_token === 'string') receiver.botTokens.push(body.access_token);
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    if (ctx.method === 'POST' && ctx.path === '/webhook') {
      const validation = ctx.get('Validation-Token');
      if (validation) {
        receiver.handshakes += 1;
        ctx.set('Validation-Token', validation);
        ctx.status = 200;
        ctx.body = '';
        return;
      }
      if (ctx.get('Verification-Token') !== receiver.verificationToken) {
        receiver.refused += 1;
        ctx.status = 403;
        return;
      }
      receiver.notifications.push(ctx.request.body as NotificationEnvelope);
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    ctx.status = 404;
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Installs the private bot through `POST /_emulator/bots/install` → the token the receiver got. */
export async function installBot(emu: Emulator, receiver: Receiver): Promise<string> {
  const before = receiver.botTokens.length;
  const result = await control<{ status?: number; error?: string }>(emu, '/bots/install', { redirectUri: `${receiver.url}/oauth` });
  if (result.status !== 200) throw new Error(`bot install POST failed: ${result.status} ${result.error ?? ''}`);
  const token = receiver.botTokens[before];
  if (!token) throw new Error('the receiver got no bot token');
  return token;
}

/** A platform against the emulator with a recording logger and an in-memory vault. */
export async function platformFor(emu: Emulator, extra: Partial<RingCentralPlatformOptions> = {}) {
  const state = await view(emu);
  const logger = recordingLogger();
  const vault = memoryVault();
  const platform = createRingCentralPlatform({
    serverUrl: emu.url,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    vault,
    logger,
    // The emulator serves Team Messaging files under its own media prefix.
    attachmentFilePaths: ['/media/team-messaging/files/'],
    ...extra,
  });
  return { platform, logger, vault, state };
}

/** Waits (through waitUntil) until `check` returns a truthy value, and resolves with it; rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 8000, what = 'condition'): Promise<NonNullable<T>> {
  return waitUntil(async () => (await check()) || undefined, what, timeoutMs) as Promise<NonNullable<T>>;
}
