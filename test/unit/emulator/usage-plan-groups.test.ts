import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { matchUsagePlanRoute, USAGE_PLAN_ROUTES, usagePlanGroupOf } from '../../../src/emulator/platform/usage-plan-groups.ts';

const OPENAPI = fileURLToPath(new URL('../../../../shared/ringcentral/openapi/', import.meta.url));
const YML = `${OPENAPI}rc-public-openapi.yml`;
const JSON46 = `${OPENAPI}ringcentral_openapi3-v1.0.46.json`;
const haveSpecs = existsSync(YML) && existsSync(JSON46);

type Paths = Record<string, Record<string, { 'x-throttling-group'?: string }>>;

describe.skipIf(!haveSpecs)(`usage plan groups match x-throttling-group (needs ${OPENAPI})`, () => {
  it('every spec-sourced row has the group of its operation (current spec, else v1.0.46 for legacy glip)', () => {
    const current = (parse(readFileSync(YML, 'utf8')) as { paths: Paths }).paths;
    const legacy = (JSON.parse(readFileSync(JSON46, 'utf8')) as { paths: Paths }).paths;
    const checked: string[] = [];
    for (const row of USAGE_PLAN_ROUTES) {
      if (row.source !== 'spec') continue;
      const m = row.method.toLowerCase();
      const op = current[row.path]?.[m] ?? legacy[row.path]?.[m];
      expect(op, `${row.method} ${row.path} is in a spec`).toBeDefined();
      expect(`${row.method} ${row.path} ${op!['x-throttling-group']}`).toBe(`${row.method} ${row.path} ${row.group}`);
      checked.push(row.path);
    }
    expect(checked.length).toBeGreaterThan(60);
  });

  it('inferred rows really are absent from both specs', () => {
    const current = (parse(readFileSync(YML, 'utf8')) as { paths: Paths }).paths;
    const legacy = (JSON.parse(readFileSync(JSON46, 'utf8')) as { paths: Paths }).paths;
    for (const row of USAGE_PLAN_ROUTES.filter((r) => r.source === 'inferred')) {
      const m = row.method.toLowerCase();
      expect(current[row.path]?.[m] ?? legacy[row.path]?.[m], `${row.method} ${row.path}`).toBeUndefined();
    }
  });
});

describe('usagePlanGroupOf', () => {
  it('matches concrete paths, with ~ and ids, literal segments first', () => {
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/account/~/extension')).toBe('Medium');
    expect(usagePlanGroupOf('get', '/restapi/v1.0/account/~/extension/~')).toBe('Light');
    expect(usagePlanGroupOf('PUT', '/restapi/v1.0/account/~/extension/123/profile-image')).toBe('Heavy');
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/account/~/extension/123/profile-image/90x90')).toBe('Medium');
    expect(usagePlanGroupOf('POST', '/restapi/oauth/token')).toBe('Auth');
    expect(usagePlanGroupOf('GET', '/team-messaging/v1/recent/chats')).toBe('Light');
    expect(matchUsagePlanRoute('GET', '/team-messaging/v1/recent/chats')?.path).toBe('/team-messaging/v1/recent/chats');
    expect(usagePlanGroupOf('POST', '/team-messaging/v1/chats/55/posts')).toBe('Medium');
    expect(usagePlanGroupOf('POST', '/restapi/v1.0/glip/posts')).toBe('Light');
    expect(usagePlanGroupOf('POST', '/team-messaging/v1/files')).toBe('Heavy');
    expect(usagePlanGroupOf('POST', '/restapi/v1.0/subscription/abc/renew')).toBe('Light');
  });

  it('has no group for control, media and unknown paths', () => {
    expect(usagePlanGroupOf('POST', '/_emulator/reset')).toBeUndefined();
    expect(usagePlanGroupOf('GET', '/web/customer_files/1/a.png')).toBeUndefined();
    expect(usagePlanGroupOf('PATCH', '/restapi/v1.0/account/~/extension')).toBeUndefined();
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/account/~/extension//profile-image')).toBeUndefined();
  });
});
