/**
 * Which usage plan group (RingCentral's rate-limit bucket) each emulated route belongs to.
 *
 * Source: the `x-throttling-group` of each operation in `rc-public-openapi.yml` (current spec)
 * and, for the legacy `/restapi/v1.0/glip/*` paths that the current spec dropped, the
 * v1.0.46 JSON spec (docs/ringcentral-notes.md §1, §5 "Rate limits"). A contract test compares every
 * row whose `source` is `spec` with those files. Rows marked `inferred` are paths the official
 * bot framework calls but neither spec lists; they take the group of their `/team-messaging/v1`
 * twin.
 */

export type UsagePlanGroup = 'Light' | 'Medium' | 'Heavy' | 'Auth';

export interface UsagePlanRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template, e.g. `/team-messaging/v1/chats/{chatId}/posts`. */
  path: string;
  group: UsagePlanGroup;
  /** `spec` = checked against the OpenAPI files; `inferred` = not in any spec. */
  source: 'spec' | 'inferred';
}

const ACC_EXT = '/restapi/v1.0/account/{accountId}/extension';
const TM = '/team-messaging/v1';
const GLIP = '/restapi/v1.0/glip';

function r(method: UsagePlanRoute['method'], path: string, group: UsagePlanGroup, source: UsagePlanRoute['source'] = 'spec'): UsagePlanRoute {
  return { method, path, group, source };
}

/** Every API route the emulator serves (platform and messaging parts), with its group. */
export const USAGE_PLAN_ROUTES: readonly UsagePlanRoute[] = [
  // OAuth
  r('POST', '/restapi/oauth/token', 'Auth'),
  r('POST', '/restapi/oauth/revoke', 'Auth'),
  r('GET', '/restapi/oauth/authorize', 'Auth'),
  r('POST', '/restapi/oauth/authorize', 'Auth'),
  r('POST', '/restapi/oauth/wstoken', 'Auth'),
  // Extensions and profile images
  r('GET', ACC_EXT, 'Medium'),
  r('GET', `${ACC_EXT}/{extensionId}`, 'Light'),
  r('PUT', `${ACC_EXT}/{extensionId}`, 'Medium'),
  r('GET', `${ACC_EXT}/{extensionId}/profile-image`, 'Medium'),
  r('POST', `${ACC_EXT}/{extensionId}/profile-image`, 'Heavy'),
  r('PUT', `${ACC_EXT}/{extensionId}/profile-image`, 'Heavy'),
  r('DELETE', `${ACC_EXT}/{extensionId}/profile-image`, 'Medium'),
  r('GET', `${ACC_EXT}/{extensionId}/profile-image/{scaleSize}`, 'Medium'),
  // Subscriptions
  r('GET', '/restapi/v1.0/subscription', 'Light'),
  r('POST', '/restapi/v1.0/subscription', 'Medium'),
  r('GET', '/restapi/v1.0/subscription/{subscriptionId}', 'Light'),
  r('PUT', '/restapi/v1.0/subscription/{subscriptionId}', 'Medium'),
  r('DELETE', '/restapi/v1.0/subscription/{subscriptionId}', 'Medium'),
  r('POST', '/restapi/v1.0/subscription/{subscriptionId}/renew', 'Light'),
  // Team Messaging (current)
  r('GET', `${TM}/chats`, 'Medium'),
  r('GET', `${TM}/chats/{chatId}`, 'Light'),
  r('GET', `${TM}/conversations`, 'Medium'),
  r('POST', `${TM}/conversations`, 'Medium'),
  r('GET', `${TM}/conversations/{chatId}`, 'Light'),
  r('GET', `${TM}/teams`, 'Medium'),
  r('POST', `${TM}/teams`, 'Medium'),
  r('GET', `${TM}/teams/{chatId}`, 'Light'),
  r('GET', `${TM}/everyone`, 'Light'),
  r('GET', `${TM}/recent/chats`, 'Light'),
  r('GET', `${TM}/chats/{chatId}/posts`, 'Medium'),
  r('POST', `${TM}/chats/{chatId}/posts`, 'Medium'),
  r('GET', `${TM}/chats/{chatId}/posts/{postId}`, 'Light'),
  r('PATCH', `${TM}/chats/{chatId}/posts/{postId}`, 'Medium'),
  r('DELETE', `${TM}/chats/{chatId}/posts/{postId}`, 'Medium'),
  r('GET', `${TM}/persons/{personId}`, 'Light'),
  r('GET', `${TM}/companies/{companyId}`, 'Light'),
  r('POST', `${TM}/files`, 'Heavy'),
  r('POST', `${TM}/chats/{chatId}/adaptive-cards`, 'Medium'),
  r('GET', `${TM}/adaptive-cards/{cardId}`, 'Medium'),
  r('PUT', `${TM}/adaptive-cards/{cardId}`, 'Medium'),
  r('DELETE', `${TM}/adaptive-cards/{cardId}`, 'Medium'),
  // Team Messaging (legacy /restapi/v1.0/glip, v1.0.46 spec)
  r('GET', `${GLIP}/chats`, 'Medium'),
  r('GET', `${GLIP}/chats/{chatId}`, 'Light'),
  r('GET', `${GLIP}/conversations`, 'Medium'),
  r('POST', `${GLIP}/conversations`, 'Medium'),
  r('GET', `${GLIP}/conversations/{chatId}`, 'Light'),
  r('GET', `${GLIP}/teams`, 'Medium'),
  r('GET', `${GLIP}/teams/{chatId}`, 'Light'),
  r('GET', `${GLIP}/everyone`, 'Light'),
  r('GET', `${GLIP}/chats/{chatId}/posts`, 'Medium'),
  r('POST', `${GLIP}/chats/{chatId}/posts`, 'Medium'),
  r('GET', `${GLIP}/chats/{chatId}/posts/{postId}`, 'Light'),
  r('PATCH', `${GLIP}/chats/{chatId}/posts/{postId}`, 'Medium'),
  r('DELETE', `${GLIP}/chats/{chatId}/posts/{postId}`, 'Medium'),
  r('GET', `${GLIP}/groups`, 'Medium'),
  r('POST', `${GLIP}/groups`, 'Medium'),
  r('GET', `${GLIP}/groups/{groupId}`, 'Light'),
  r('GET', `${GLIP}/groups/{groupId}/posts`, 'Medium'),
  r('POST', `${GLIP}/groups/{groupId}/posts`, 'Medium'),
  r('PUT', `${GLIP}/groups/{groupId}/posts/{postId}/text`, 'Medium'),
  r('GET', `${GLIP}/posts`, 'Light'),
  r('POST', `${GLIP}/posts`, 'Light'),
  r('GET', `${GLIP}/persons/{personId}`, 'Light'),
  r('GET', `${GLIP}/companies/{companyId}`, 'Light'),
  r('POST', `${GLIP}/cards`, 'Medium'),
  r('GET', `${GLIP}/cards/{cardId}`, 'Medium'),
  r('PUT', `${GLIP}/cards/{cardId}`, 'Medium'),
  r('DELETE', `${GLIP}/cards/{cardId}`, 'Medium'),
  // Legacy paths the official bot framework uses that no spec lists (groups of their v1 twins)
  r('POST', `${GLIP}/files`, 'Heavy', 'inferred'),
  r('POST', `${GLIP}/chats/{chatId}/adaptive-cards`, 'Medium', 'inferred'),
  r('GET', `${GLIP}/adaptive-cards/{cardId}`, 'Medium', 'inferred'),
  r('PUT', `${GLIP}/adaptive-cards/{cardId}`, 'Medium', 'inferred'),
  r('DELETE', `${GLIP}/adaptive-cards/{cardId}`, 'Medium', 'inferred'),
];

interface CompiledRoute {
  route: UsagePlanRoute;
  segments: (string | null)[];
  literals: number;
}

const compiled: CompiledRoute[] = USAGE_PLAN_ROUTES.map((route) => {
  const segments = route.path.split('/').map((s) => (s.startsWith('{') ? null : s));
  return { route, segments, literals: segments.filter((s) => s !== null).length };
}).sort((a, b) => b.literals - a.literals);

/**
 * The usage plan group of a request, or undefined when the route is not in the table
 * (control routes, media downloads, unknown paths). `path` is the URL path without query.
 */
export function usagePlanGroupOf(method: string, path: string): UsagePlanGroup | undefined {
  return matchUsagePlanRoute(method, path)?.group;
}

/** The table row a request matches (literal segments win over `{param}` ones), or undefined. */
export function matchUsagePlanRoute(method: string, path: string): UsagePlanRoute | undefined {
  const m = method.toUpperCase();
  const parts = path.replace(/\/+$/, '').split('/');
  for (const c of compiled) {
    if (c.route.method !== m || c.segments.length !== parts.length) continue;
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const seg = c.segments[i];
      if (seg === null) {
        if (!parts[i]) ok = false;
      } else if (seg !== parts[i]) ok = false;
      if (!ok) break;
    }
    if (ok) return c.route;
  }
  return undefined;
}
