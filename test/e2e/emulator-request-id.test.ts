import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { addPerson, call, sdkFor, startEmulator, tokenOf, type Person } from './emulator-messaging-world.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sends one raw HTTP/1.1 request (for request targets fetch refuses to send) and returns the head. */
async function rawHead(emu: Emulator, requestLine: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const socket = net.connect(emu.port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data.split('\r\n\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

/** RingCentral puts `RCRequestId` on every answer (docs/ringcentral-api.md §5); so must the emulator. */
describe('emulator RCRequestId header', () => {
  let emu: Emulator;
  let alice: Person;
  let token: string;

  beforeAll(async () => {
    emu = await startEmulator({ rateLimits: true });
    alice = await addPerson(emu, 'Alice', 'Archer');
    token = await tokenOf(await sdkFor(emu, alice.id));
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('is on success, API error, auth error, OAuth error, unknown route, media and control answers, new each time', async () => {
    const answers: [string, { status: number; headers: Headers; body: any }][] = [
      ['API success', await call(emu, 'GET', '/restapi/v1.0/account/~/extension/~', undefined, token)],
      ['API 4xx error', await call(emu, 'GET', '/restapi/v1.0/account/~/extension/999999999', undefined, token)],
      ['API bad JSON', await fetchAnswer(emu, '/restapi/v1.0/account/~/extension/~', { method: 'PUT', body: '{', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } })],
      ['no token', await call(emu, 'GET', '/restapi/v1.0/account/~/extension/~')],
      ['OAuth error', await fetchAnswer(emu, '/restapi/oauth/token', { method: 'POST', body: 'grant_type=password', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })],
      ['unknown API route', await call(emu, 'GET', '/restapi/v1.0/no-such-thing', undefined, token)],
      ['unknown non-API path', await call(emu, 'GET', '/no-such-page')],
      ['OAuth consent page', await fetchAnswer(emu, `/restapi/oauth/authorize?client_id=${emu.state.app.clientId}&response_type=code&redirect_uri=http://127.0.0.1/cb`, {})],
      ['wstoken', await call(emu, 'POST', '/restapi/oauth/wstoken', undefined, token)],
      ['control route', await call(emu, 'GET', '/_emulator/requests')],
      ['control error', await call(emu, 'POST', '/_emulator/clock', { advanceMs: -5 })],
    ];
    const statuses = Object.fromEntries(answers.map(([what, a]) => [what, a.status]));
    expect(statuses).toEqual({
      'API success': 200,
      'API 4xx error': 404,
      'API bad JSON': 400,
      'no token': 401,
      'OAuth error': 401,
      'unknown API route': 404,
      'unknown non-API path': 404,
      'OAuth consent page': 200,
      wstoken: 200,
      'control route': 200,
      'control error': 400,
    });
    expect(answers[1]![1].body).toMatchObject({ errorCode: 'CMN-102' });
    expect(answers[2]![1].body).toMatchObject({ errorCode: 'CMN-103' });
    expect(answers[3]![1].body).toMatchObject({ errorCode: 'AGW-401' });
    expect(answers[4]![1].body).toMatchObject({ error: 'invalid_client', errors: [{ errorCode: 'OAU-123' }] });
    expect(answers[4]![1].headers.get('WWW-Authenticate')).toBe('Basic realm="RingCentral OAuth"');
    expect(answers[5]![1].body).toMatchObject({ errorCode: 'AGW-404' });
    const ids = answers.map(([what, a]) => [what, a.headers.get('RCRequestId')] as const);
    for (const [what, id] of ids) expect(id, what).toMatch(UUID);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length);
  });

  it('is on an injected 429 and on the answer to an unparseable request target', async () => {
    const fault = await call(emu, 'POST', '/_emulator/faults', { path: '/restapi/v1.0/account/~/extension/~', status: 429, count: 1 });
    expect(fault.status).toBeLessThan(300);
    const limited = await call(emu, 'GET', '/restapi/v1.0/account/~/extension/~', undefined, token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).not.toBeNull();
    expect(limited.headers.get('RCRequestId')).toMatch(UUID);
    const head = await rawHead(emu, 'GET http://[ HTTP/1.1');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\nRCRequestId: [0-9a-f-]{36}\r\n/i);
  });
});

async function fetchAnswer(emu: Emulator, path: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${emu.url}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}
