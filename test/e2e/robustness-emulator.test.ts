import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import {
  control,
  emulatorState,
  errorCodeOf,
  multipartBody,
  startEmulator,
  testImage,
  tokenFor,
  type EmulatorStateView,
} from './emulator-platform-helpers.ts';
import { waitUntil } from '../helpers/wait-until.ts';

/**
 * Hostile and odd input against a real emulator over real sockets: each case here once crashed
 * the process, bricked it, or answered 500 / the wrong shape. The emulator must answer in
 * RingCentral's error shape and keep serving afterwards.
 */

/** Sends raw bytes on a fresh TCP connection; resolves with what came back before the server closed it (or after `waitMs`). */
function rawExchange(port: number, request: string, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (c) => {
      data += c.toString('latin1');
      // One complete answer with a body is all these cases need.
      const head = data.indexOf('\r\n\r\n');
      const len = /content-length:\s*(\d+)/i.exec(data);
      if (head >= 0 && len && data.length >= head + 4 + Number(len[1])) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

/** A PNG chunk with its length and a correct CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

/** A well-formed PNG (signature, IHDR, IEND) that declares width×height but has no IDAT: no pixels at all. */
function pngWithoutImageData(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('emulator robustness: hostile input over real sockets', () => {
  let emu: Emulator;
  let view: EmulatorStateView;
  let token: string;
  const api = (path: string) => `${emu.url}/restapi/v1.0/account/~${path}`;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  /** The emulator still answers an authenticated API call. */
  async function stillServing(): Promise<void> {
    const r = await fetch(api('/extension/~'), { headers: auth() });
    expect(r.status).toBe(200);
  }

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 10, withPhotoRatio: 0.5 }, rateLimits: false });
    view = await emulatorState(emu);
    token = await tokenFor(emu, view);
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('createEmulator() on a port already taken rejects with EADDRINUSE (and the first emulator keeps serving)', async () => {
    await expect(startEmulator({ port: emu.port, rateLimits: false })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await stillServing();
  });

  it('a multipart upload that ends inside the image part gets 400 CMN-101, and the emulator keeps serving', async () => {
    const boundary = 'cut-short';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`;
    const r = await fetch(api('/extension/~/profile-image'), {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(r.status).toBe(400);
    const json = (await r.json()) as { errorCode: string; errors: { parameterName?: string }[] };
    expect(json.errorCode).toBe('CMN-101');
    expect(json.errors[0]!.parameterName).toBe('image');
    await stillServing();
  });

  it('a multipart file upload to Team Messaging that ends inside a part gets 400 CMN-101', async () => {
    const boundary = 'cut-short';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="body"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello`;
    const r = await fetch(`${emu.url}/team-messaging/v1/files?name=a.txt`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(r.status).toBe(400);
    expect(await errorCodeOf(r)).toBe('CMN-101');
    await stillServing();
  });

  it('a WebSocket upgrade with an unparseable request target is dropped; the emulator serves and closes normally', async () => {
    const answer = await rawExchange(
      emu.port,
      'GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(answer).not.toContain('101 Switching Protocols');
    await stillServing();
  });

  it('a plain request with an unparseable target gets 400 CMN-101 in RingCentral\'s shape, not a bare 500', async () => {
    const answer = await rawExchange(emu.port, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { errorCode: string; errors: unknown[] };
    expect(body.errorCode).toBe('CMN-101');
    expect(body.errors).toHaveLength(1);
    await stillServing();
  });

  it('unparseable JSON on a platform route is 400 CMN-103 "JSON can\'t be parsed"', async () => {
    for (const text of ['{"contact":', 'null', '"just a string"']) {
      const r = await fetch(api('/extension/~'), {
        method: 'PUT',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: text,
      });
      expect(r.status, text).toBe(400);
      const json = (await r.json()) as { errorCode: string; message: string; errors: { errorCode: string }[] };
      expect(json.errorCode, text).toBe('CMN-103');
      expect(json.message).toBe("JSON can't be parsed");
      expect(json.errors[0]!.errorCode).toBe('CMN-103');
    }
  });

  it('moving the clock past year 9999 is refused with 400, and the emulator keeps working', async () => {
    const before = await control(emu, '/clock', { advanceMs: 0 });
    for (const advanceMs of [1e300, 8.64e15, Number.MAX_SAFE_INTEGER]) {
      const r = await control(emu, '/clock', { advanceMs });
      expect(r.status, String(advanceMs)).toBe(400);
      expect(r.body.error).toMatch(/advanceMs/);
    }
    const after = await control(emu, '/clock', { advanceMs: 0 });
    expect(Date.parse(after.body.now) - Date.parse(before.body.now)).toBeLessThan(60_000);
    expect((await fetch(`${emu.url}/_emulator/state`)).status).toBe(200);
    await stillServing();
  });

  it('a redirect_uri that is not a URL is 400 OAU-113 on the consent page, its form and the control consent', async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: view.app.clientId, redirect_uri: 'http://[', state: 's' });
    const page = await fetch(`${emu.url}/restapi/oauth/authorize?${q}`);
    expect(page.status).toBe(400);
    expect(((await page.json()) as { errors: { errorCode: string }[] }).errors[0]!.errorCode).toBe('OAU-113');

    for (const decision of ['approve', 'deny']) {
      const form = new URLSearchParams(q);
      form.set('extension_id', view.users[1]!.id);
      form.set('decision', decision);
      const r = await fetch(`${emu.url}/restapi/oauth/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      expect(r.status, decision).toBe(400);
      const json = (await r.json()) as { error: string; errors: { errorCode: string }[] };
      expect(json.error).toBe('invalid_request');
      expect(json.errors[0]!.errorCode).toBe('OAU-113');
    }

    const consent = await control(emu, '/oauth/consent', {
      authorizeUrl: `${emu.url}/restapi/oauth/authorize?${q}`,
      extensionId: view.users[1]!.id,
    });
    expect(consent.status).toBe(400);
    expect(consent.body.errorCode).toBe('OAU-113');
  });

  it('a reset with a bad seed is refused with 400 and wipes nothing', async () => {
    const usersBefore = (await emulatorState(emu)).users.length;
    for (const seed of [{ users: 0 }, { users: 100_001 }, { users: -5 }, { users: 'abc' }, { users: '10' }, { users: 2.5 }, { users: 3, withPhotoRatio: 2 }, { users: 3, withPhotoRatio: '0.5' }, 'big', [1], null]) {
      const r = await control(emu, '/reset', { seed });
      expect(r.status, JSON.stringify(seed)).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    const after = await emulatorState(emu);
    expect(after.users).toHaveLength(usersBefore);
    expect(after.adminJwt).toBe(view.adminJwt);
    // The token issued before is still good: its extension was not wiped.
    await stillServing();
  });

  it('a fault delay a Node timer cannot honour is refused instead of silently not stalling', async () => {
    for (const delayMs of [2_147_483_648, 1e12, -1, 'abc']) {
      const r = await control(emu, '/faults', { path: '/restapi/v1.0/never-called', delayMs });
      expect(r.status, String(delayMs)).toBe(400);
    }
    const ok = await control(emu, '/faults', { path: '/restapi/v1.0/never-called', delayMs: 2_147_483_647 });
    expect(ok.status).toBe(201);
    await fetch(`${emu.url}/_emulator/faults`, { method: 'DELETE' });
  });

  it('a PNG with no image data (IHDR then IEND) is 400 ACT-331, not stored as a black picture', async () => {
    const ext = view.users.find((u) => !u.hasPhoto && u.status === 'Enabled')!;
    for (const [w, h] of [[40, 30], [4000, 3000]] as const) {
      const { body, contentType } = multipartBody([{ name: 'image', filename: 'x.png', contentType: 'image/png', data: pngWithoutImageData(w, h) }]);
      const r = await fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body: new Uint8Array(body) });
      expect(r.status, `${w}x${h}`).toBe(400);
      expect(await errorCodeOf(r)).toBe('ACT-331');
    }
    const img = await fetch(api(`/extension/${ext.id}/profile-image`), { headers: auth() });
    expect(img.status).toBe(404);
  });

  it('a GIF whose first frame is far larger than its 100×100 picture is 400 ACT-334 (jimp would walk every frame pixel on the one thread)', async () => {
    const screen = Buffer.alloc(7);
    screen.writeUInt16LE(100, 0);
    screen.writeUInt16LE(100, 2);
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(5000, 5);
    descriptor.writeUInt16LE(5000, 7);
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, descriptor, Buffer.from([2, 2, 0x44, 0x01, 0, 0x3b])]);
    const ext = view.users.find((u) => !u.hasPhoto && u.status === 'Enabled')!;
    const { body, contentType } = multipartBody([{ name: 'image', filename: 'x.gif', contentType: 'image/gif', data: gif }]);
    const r = await fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body: new Uint8Array(body) });
    expect(r.status).toBe(400);
    expect(await errorCodeOf(r)).toBe('ACT-334');
    // A GIF with no image in it at all is undecodable.
    const empty = multipartBody([{ name: 'image', filename: 'x.gif', contentType: 'image/gif', data: Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, Buffer.from([0x3b]), Buffer.alloc(12)]) }]);
    const r2 = await fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': empty.contentType }, body: new Uint8Array(empty.body) });
    expect(r2.status).toBe(400);
    expect(await errorCodeOf(r2)).toBe('ACT-331');
  });

  it('the 10 MB body limit is exact: a body of 10,485,760 bytes is read, one byte more is 413', async () => {
    const png = await testImage(40, 40, 'image/png');
    const ext = view.users.find((u) => u.status === 'Enabled' && u.id !== view.users[0]!.id)!;
    const bodyOf = (total: number) => {
      const empty = multipartBody([{ name: 'image', filename: 'x.png', contentType: 'image/png', data: png }]);
      // Pad the image part (bytes after IEND) so the whole body has exactly `total` bytes.
      const padded = Buffer.concat([png, Buffer.alloc(total - empty.body.length)]);
      const built = multipartBody([{ name: 'image', filename: 'x.png', contentType: 'image/png', data: padded }]);
      return { body: new Uint8Array(built.body), contentType: built.contentType };
    };
    const limit = 10 * 1024 * 1024;
    const exact = bodyOf(limit);
    expect(exact.body.length).toBe(limit);
    const atLimit = await fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': exact.contentType }, body: exact.body });
    expect(atLimit.status).not.toBe(413);
    await atLimit.arrayBuffer();
    const over = bodyOf(limit + 1);
    expect(over.body.length).toBe(limit + 1);
    const overLimit = await fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': over.contentType }, body: over.body });
    expect(overLimit.status).toBe(413);
    expect(await errorCodeOf(overLimit)).toBe('CMN-413');
  });

  it('concurrent uploads to one extension leave a consistent image: ETag, profileImage.etag and the bytes agree', async () => {
    const ext = view.users.find((u) => u.status === 'Enabled' && u.id !== view.users[0]!.id)!;
    const images = await Promise.all([30, 31, 32, 33, 34].map((w) => testImage(w, 30, 'image/png')));
    const answers = await Promise.all(
      images.map((data) => {
        const { body, contentType } = multipartBody([{ name: 'image', filename: 'x.png', contentType: 'image/png', data }]);
        return fetch(api(`/extension/${ext.id}/profile-image`), { method: 'PUT', headers: { ...auth(), 'Content-Type': contentType }, body: new Uint8Array(body) });
      }),
    );
    expect(answers.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);
    const info = (await (await fetch(api(`/extension/${ext.id}`), { headers: auth() })).json()) as { profileImage: { etag: string } };
    const original = await fetch(api(`/extension/${ext.id}/profile-image`), { headers: auth() });
    const bytes = Buffer.from(await original.arrayBuffer());
    expect(original.headers.get('etag')).toBe(`"${info.profileImage.etag}"`);
    expect(images.some((i) => i.equals(bytes))).toBe(true);
  });
});

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run emulator: a host it cannot listen on', () => {
  it('exits 2 with a sentence naming EMULATOR_HOST, not a DNS stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/emulator.ts')], {
      cwd: projectRoot,
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_USERS: '1', EMULATOR_HOST: 'no-such-host.invalid' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^EMULATOR_HOST no-such-host\.invalid is not an interface of this machine/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe('npm run emulator: the process survives input that used to end it', () => {
  let child: ChildProcess;
  let url: string;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/emulator.ts')], {
      cwd: projectRoot,
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_USERS: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((done) => child.once('exit', (code) => done(code)));
    url = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) done(m[1]!);
      });
      child.once('exit', (code) => fail(new Error(`emulator exited early with ${code}: ${out}`)));
    });
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('answers cut-short multipart bodies and a broken upgrade request, keeps serving, and stops cleanly on SIGTERM', async () => {
    const port = Number(new URL(url).port);
    const view = (await (await fetch(`${url}/_emulator/state`)).json()) as EmulatorStateView;
    const token = await tokenFor({ url } as Emulator, view);
    const cut = (name: string) =>
      `--cut\r\nContent-Disposition: form-data; name="${name}"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=cut' };
    const image = await fetch(`${url}/restapi/v1.0/account/~/extension/~/profile-image`, { method: 'PUT', headers, body: cut('image') });
    expect(image.status).toBe(400);
    const files = await fetch(`${url}/team-messaging/v1/files`, { method: 'POST', headers, body: cut('body') });
    expect(files.status).toBe(400);
    await rawExchange(
      port,
      'GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      500,
    );
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url}/_emulator/state`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});

/** A WebHook receiver on a real port: echoes Validation-Token; deliveries are handled by `onDelivery`. */
class Receiver {
  readonly deliveries: unknown[] = [];
  onDelivery: (res: http.ServerResponse) => void = (res) => res.end();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = req.headers['validation-token'];
      if (typeof token === 'string') {
        res.setHeader('Validation-Token', token);
        res.end();
        return;
      }
      this.deliveries.push(JSON.parse(Buffer.concat(chunks).toString() || 'null'));
      this.onDelivery(res);
    });
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', () => done()));
    this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/webhook`;
    return this;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

/** Waits until `check()` is true (through the shared waitUntil); rejects after `ms`. */
async function waitUntilTrue(check: () => boolean, what: string, ms = 5000): Promise<void> {
  await waitUntil(() => (check() ? true : undefined), what, ms);
}

describe('emulator robustness: WebHook receivers that misbehave', () => {
  let emu: Emulator;
  let view: EmulatorStateView;
  let token: string;
  let chatId: string;
  const receivers: Receiver[] = [];

  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }

  async function subscribe(address: string): Promise<string> {
    const r = await fetch(`${emu.url}/restapi/v1.0/subscription`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address } }),
    });
    expect(r.status).toBe(200);
    return ((await r.json()) as { id: string }).id;
  }

  const say = (text: string) => control(emu, `/chats/${chatId}/posts`, { creatorId: view.users[1]!.id, text });

  /**
   * A healthy subscription to the same posts, as a positive signal: the emulator routes a post to
   * every subscription in one pass, so once the witness has a post, a delivery of that post to any
   * other subscription, had there been one, was already on its way. Returns "wait until the
   * witness has received the post with this text".
   */
  async function witness(): Promise<(text: string) => Promise<void>> {
    const w = await receiver();
    await subscribe(w.url);
    return (text) => waitUntilTrue(() => w.deliveries.some((d) => (d as { body?: { text?: string } }).body?.text === text), `the witness subscription to receive "${text}"`);
  }
  const subscriptionOf = (id: string) => fetch(`${emu.url}/restapi/v1.0/subscription/${id}`, { headers: { Authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 3 }, rateLimits: false, webhookTimeoutMs: 400, blacklistAfterFailures: 2 });
    view = await emulatorState(emu);
    token = await tokenFor(emu, view);
    const chat = await control(emu, '/chats', { type: 'Group', members: [view.users[0]!.id, view.users[1]!.id], name: 'hooks' });
    chatId = chat.body.id as string;
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await emu?.close();
  });

  it('a receiver answering with a redirect: not followed, counted as a failure, then Blacklisted with the 302 in the reason', async () => {
    const target = await receiver();
    const hook = await receiver();
    hook.onDelivery = (res) => {
      res.writeHead(302, { Location: target.url });
      res.end();
    };
    const id = await subscribe(hook.url);
    await say('one');
    await say('two');
    await waitUntilTrue(() => hook.deliveries.length === 2, 'two deliveries');
    await waitUntilTrue(() => emu.state.subscriptions.get(id)?.status === 'Blacklisted', 'the blacklist');
    const sub = (await (await subscriptionOf(id)).json()) as { status: string; blacklistedData: { reason: string } };
    expect(sub.status).toBe('Blacklisted');
    expect(sub.blacklistedData.reason).toBe('Webhook responses with code: [302], reason: [Found]');
    expect(target.deliveries).toHaveLength(0);
    const witnessed = await witness();
    await say('three');
    await witnessed('three');
    expect(hook.deliveries).toHaveLength(2);
    expect(target.deliveries).toHaveLength(0);
  });

  it('a subscription deleted while a delivery is in flight: that delivery ends quietly, nothing more is sent', async () => {
    const hook = await receiver();
    let release: (() => Promise<void>) | undefined;
    hook.onDelivery = (res) => {
      release = () => new Promise<void>((done) => res.end(done));
    };
    const id = await subscribe(hook.url);
    const witnessed = await witness();
    await say('in flight');
    await waitUntilTrue(() => hook.deliveries.length === 1, 'the first delivery');
    const deleted = await fetch(`${emu.url}/restapi/v1.0/subscription/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    expect(deleted.status).toBe(204);
    await say('after delete');
    await witnessed('after delete');
    await release!();
    // The answer to the in-flight delivery is out; a later post still reaches only the witness.
    await say('after the answer');
    await witnessed('after the answer');
    expect(hook.deliveries).toHaveLength(1);
    expect((await subscriptionOf(id)).status).toBe(404);
    expect(emu.state.subscriptions.has(id)).toBe(false);
  });

  it('35 WebHook subscriptions created at once by one owner: 30 are made, 5 get 403 SUB-505', async () => {
    const own = await startEmulator({ seed: { users: 2 }, rateLimits: false });
    try {
      const ownToken = await tokenFor(own, await emulatorState(own));
      const hook = await receiver();
      const answers = await Promise.all(
        Array.from({ length: 35 }, () =>
          fetch(`${own.url}/restapi/v1.0/subscription`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${ownToken}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address: hook.url } }),
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { errorCode?: string } })),
        ),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(30);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused).toHaveLength(5);
      for (const a of refused) expect(a).toMatchObject({ status: 403, body: { errorCode: 'SUB-505' } });
      expect(own.state.subscriptions.size).toBe(30);
    } finally {
      await own.close();
    }
  });

  it('close() returns while a delivery waits on a receiver that never answers', async () => {
    const own = await startEmulator({ seed: { users: 3 }, rateLimits: false, webhookTimeoutMs: 60_000 });
    const ownView = await emulatorState(own);
    const ownToken = await tokenFor(own, ownView);
    const hook = await receiver();
    hook.onDelivery = () => undefined; // never answers
    const chat = await control(own, '/chats', { type: 'Group', members: [ownView.users[0]!.id, ownView.users[1]!.id] });
    const r = await fetch(`${own.url}/restapi/v1.0/subscription`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ownToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address: hook.url } }),
    });
    expect(r.status).toBe(200);
    await control(own, `/chats/${chat.body.id as string}/posts`, { creatorId: ownView.users[1]!.id, text: 'hello?' });
    await waitUntilTrue(() => hook.deliveries.length === 1, 'the delivery');
    await own.close(); // the test's own timeout catches a hang
    expect(own.server.listening).toBe(false);
  });
});
