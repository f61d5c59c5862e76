import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROUTE_GROUPS, parseUsagePlanGroup, usagePlanGroupOf } from '../../../src/platform/usage-plan-groups.ts';

const specPath = fileURLToPath(new URL('../../../../shared/ringcentral/openapi/rc-public-openapi.yml', import.meta.url));
const haveSpec = existsSync(specPath);

describe('usagePlanGroupOf', () => {
  it('knows the group of each route before any answer arrives', () => {
    expect(usagePlanGroupOf('PUT', '/restapi/v1.0/account/~/extension/~/profile-image')).toBe('Heavy');
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/account/~/extension/123')).toBe('Light');
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/account/~/extension?page=2')).toBe('Medium');
    expect(usagePlanGroupOf('GET', 'https://media.ringcentral.com/restapi/v1.0/account/~/extension/5/profile-image/195x195')).toBe('Medium');
    expect(usagePlanGroupOf('POST', '/team-messaging/v1/chats/77/posts')).toBe('Medium');
    expect(usagePlanGroupOf('POST', '/restapi/oauth/token')).toBe('Auth');
    expect(usagePlanGroupOf('POST', '/restapi/v1.0/subscription/abc/renew')).toBe('Light');
  });
  it('treats an unknown route as Heavy so it is never under-paced', () => {
    expect(usagePlanGroupOf('GET', '/restapi/v1.0/something/new')).toBe('Heavy');
  });
  it('parses the X-Rate-Limit-Group header in any case', () => {
    expect(parseUsagePlanGroup('light')).toBe('Light');
    expect(parseUsagePlanGroup('HEAVY')).toBe('Heavy');
    expect(parseUsagePlanGroup('unknown')).toBeUndefined();
    expect(parseUsagePlanGroup(null)).toBeUndefined();
  });
});

describe.skipIf(!haveSpec)(`route table against the OpenAPI spec (${haveSpec ? 'present' : `absent: ${specPath} missing, skipped`})`, () => {
  it('every route has the x-throttling-group the spec gives it', () => {
    const spec = YAML.parse(readFileSync(specPath, 'utf8')) as { paths: Record<string, Record<string, { 'x-throttling-group'?: string }>> };
    for (const route of ROUTE_GROUPS) {
      const op = spec.paths[route.template]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.template} in the spec`).toBeDefined();
      expect(op?.['x-throttling-group'], `${route.method} ${route.template}`).toBe(route.group);
    }
  });
});
