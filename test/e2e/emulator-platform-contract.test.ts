import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { control, emulatorState, multipartBody, startEmulator, testImage, tokenFor, type EmulatorStateView } from './emulator-platform-helpers.ts';

const SPEC_PATH = fileURLToPath(new URL('../../../shared/ringcentral/openapi/rc-public-openapi.yml', import.meta.url));
const haveSpec = existsSync(SPEC_PATH);

// ajv-formats is CJS with a default export; under NodeNext its type is the module namespace.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

type Spec = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>; components: unknown };

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * Contract: responses of the platform routes validate against the response schemas of
 * ../shared/ringcentral/openapi/rc-public-openapi.yml (ajv + ajv-formats, $refs resolved inside
 * the parsed YAML; additionalProperties stays as the spec says — it never forbids extras here).
 */
describe.skipIf(!haveSpec)(`emulator platform: OpenAPI contract (needs ${SPEC_PATH})`, () => {
  let spec: Spec;
  let ajv: Ajv;
  let emu: Emulator;
  let view: EmulatorStateView;
  let token: string;
  const cache = new Map<string, ValidateFunction>();

  beforeAll(async () => {
    spec = parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const f of ['int32', 'int64', 'double', 'float', 'binary', 'byte']) ajv.addFormat(f, true);
    ajv.addSchema({ $id: 'rc', components: spec.components, paths: spec.paths });
    emu = await startEmulator({ seed: { users: 30, withPhotoRatio: 0.5 }, rateLimits: false });
    view = await emulatorState(emu);
    token = await tokenFor(emu, view);
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  });

  /** The validator of `path`/`method`'s `status` response, or of a shared components response. */
  function validatorFor(path: string, method: string, status: string, fallback?: string): ValidateFunction {
    const key = `${method} ${path} ${status} ${fallback}`;
    let v = cache.get(key);
    if (v) return v;
    const resp = spec.paths[path]?.[method]?.responses?.[status];
    let ref: string;
    if (resp?.$ref) ref = `rc${resp.$ref}/content/${pointer('application/json')}/schema`;
    else if (resp?.content) ref = `rc#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`;
    else if (fallback) ref = `rc#/${pointer('components', 'responses', fallback, 'content', 'application/json', 'schema')}`;
    else throw new Error(`no schema for ${method} ${path} ${status}`);
    v = ajv.compile({ $ref: ref });
    cache.set(key, v);
    return v;
  }

  async function expectValid(r: Response, path: string, method: string, fallback?: string): Promise<unknown> {
    const body = (await r.json()) as unknown;
    const v = validatorFor(path, method, String(r.status), fallback);
    const ok = v(body);
    expect(ok, `${method.toUpperCase()} ${path} ${r.status}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 400)}`).toBe(true);
    return body;
  }

  const auth = () => ({ Authorization: `Bearer ${token}` });
  const EXT_LIST = '/restapi/v1.0/account/{accountId}/extension';
  const EXT = '/restapi/v1.0/account/{accountId}/extension/{extensionId}';
  const IMG = `${EXT}/profile-image`;

  it('token responses (jwt-bearer, refresh_token, authorization_code) are TokenInfo', async () => {
    const basic = `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`;
    const post = (form: Record<string, string>) =>
      fetch(`${emu.url}/restapi/oauth/token`, {
        method: 'POST',
        headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    const jwt = (await expectValid(await post({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: view.adminJwt }), '/restapi/oauth/token', 'post')) as {
      refresh_token: string;
    };
    await expectValid(await post({ grant_type: 'refresh_token', refresh_token: jwt.refresh_token }), '/restapi/oauth/token', 'post');
    const url = `${emu.url}/restapi/oauth/authorize?response_type=code&client_id=${view.app.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}`;
    const code = new URL((await control(emu, '/oauth/consent', { authorizeUrl: url, extensionId: view.users[1]!.id })).body.location).searchParams.get('code')!;
    await expectValid(await post({ grant_type: 'authorization_code', code }), '/restapi/oauth/token', 'post');
    // OAuth errors use the OauthInvalidRequest shape.
    await expectValid(await post({ grant_type: 'password' }), '/restapi/oauth/token', 'post');
  });

  it('extension list pages, filters and empty pages are GetExtensionListResponse', async () => {
    for (const q of ['', '?perPage=7&page=2', '?perPage=1000', '?type=User&status=Enabled&status=Disabled', '?page=50']) {
      await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension${q}`, { headers: auth() }), EXT_LIST, 'get');
    }
  });

  it('extensions with and without a profile image are GetExtensionInfoResponse', async () => {
    for (const u of [view.users.find((x) => x.hasPhoto)!, view.users.find((x) => !x.hasPhoto)!]) {
      const body = (await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension/${u.id}`, { headers: auth() }), EXT, 'get')) as {
        profileImage: Record<string, unknown>;
      };
      expect(Boolean(body.profileImage.etag)).toBe(u.hasPhoto);
    }
    await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: auth() }), EXT, 'get');
    const renamed = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ contact: { firstName: 'Renamed' } }),
    });
    await expectValid(renamed, EXT, 'put');
    // The validators are not vacuous: wrong types and a profileImage without uri are rejected.
    const v = validatorFor(EXT, 'get', '200');
    expect(v({ id: 'not-a-number' })).toBe(false);
    expect(v({ id: 1, profileImage: { etag: 'x' } })).toBe(false);
    expect(validatorFor('/restapi/oauth/token', 'post', '200')({ access_token: 'x' })).toBe(false);
    expect(validatorFor(EXT, 'get', '404', 'NotFound')({ errors: [] })).toBe(false);
  });

  it('profile image responses use the documented content types; uploads answer 204', async () => {
    const u = view.users.find((x) => x.hasPhoto)!;
    const r = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/${u.id}/profile-image`, { headers: auth() });
    expect(Object.keys(spec.paths[IMG]!.get!.responses['200']!.content!)).toContain(r.headers.get('content-type'));
    const s = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/${u.id}/profile-image/195x195`, { headers: auth() });
    expect(Object.keys(spec.paths[`${IMG}/{scaleSize}`]!.get!.responses['200']!.content!).concat('image/png')).toContain(s.headers.get('content-type'));
    const { body, contentType } = multipartBody([{ name: 'image', filename: 'a.png', contentType: 'image/png', data: await testImage(30, 30) }]);
    const put = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/profile-image`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': contentType },
      body: new Uint8Array(body),
    });
    expect(Object.keys(spec.paths[IMG]!.put!.responses)).toContain(String(put.status));
  });

  it('error bodies are the spec error models (400, 401, 403, 404, 415, 429)', async () => {
    await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension?page=0`, { headers: auth() }), EXT_LIST, 'get', 'InvalidRequest');
    await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`), EXT, 'get', 'Unauthorized');
    await expectValid(await fetch(`${emu.url}/restapi/v1.0/account/~/extension/1`, { headers: auth() }), EXT, 'get', 'NotFound');
    const unassigned = view.users.find((x) => x.status === 'Unassigned')!;
    const { body, contentType } = multipartBody([{ name: 'image', filename: 'a.png', contentType: 'image/png', data: await testImage(30, 30) }]);
    const forbidden = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/${unassigned.id}/profile-image`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': contentType },
      body: new Uint8Array(body),
    });
    await expectValid(forbidden, IMG, 'put', 'Forbidden');
    const bmp = multipartBody([{ name: 'image', filename: 'a.bmp', data: Buffer.concat([Buffer.from('BM'), Buffer.alloc(64)]) }]);
    const unsupported = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/profile-image`, {
      method: 'PUT',
      headers: { ...auth(), 'Content-Type': bmp.contentType },
      body: new Uint8Array(bmp.body),
    });
    await expectValid(unsupported, IMG, 'put', 'UnsupportedMediaType');
    emu.state.settings.rateLimits = true;
    try {
      let last: Response | undefined;
      for (let i = 0; i < 11; i++) {
        last = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/profile-image`, {
          method: 'PUT',
          headers: { ...auth(), 'Content-Type': bmp.contentType },
          body: new Uint8Array(bmp.body),
        });
        if (i < 10) await last.arrayBuffer();
      }
      expect(last!.status).toBe(429);
      await expectValid(last!, IMG, 'put', 'TooManyRequests');
    } finally {
      emu.state.settings.rateLimits = false;
    }
  });
});
