/**
 * Which usage plan group (RingCentral's rate-limit bucket) each route we call belongs to, known
 * before the first request so even that one is paced. Taken from the `x-throttling-group` of each
 * operation in RingCentral's public OpenAPI spec (docs/ringcentral-notes.md §1, §2; the unit test
 * `usage-plan-groups.test.ts` checks this table against the spec when it is present).
 */

/** RingCentral's usage plan groups (docs/ringcentral-notes.md §5 "Rate limits"). */
export type UsagePlanGroup = 'Light' | 'Medium' | 'Heavy' | 'Auth';

/** Documented default limit per (user, app) of each group: requests per window (docs/ringcentral-notes.md §5). */
export const DEFAULT_GROUP_LIMITS: Readonly<Record<UsagePlanGroup, { limit: number; windowMs: number }>> = {
  Light: { limit: 50, windowMs: 60_000 },
  Medium: { limit: 40, windowMs: 60_000 },
  Heavy: { limit: 10, windowMs: 60_000 },
  Auth: { limit: 5, windowMs: 60_000 },
};

/** One route: method, the spec's path template, and its group. */
export interface RouteGroup {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template as written in the OpenAPI spec, e.g. `/team-messaging/v1/chats/{chatId}`. */
  template: string;
  group: UsagePlanGroup;
}

/** Every route the platform client calls. */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  { method: 'POST', template: '/restapi/oauth/token', group: 'Auth' },
  { method: 'POST', template: '/restapi/oauth/revoke', group: 'Auth' },
  { method: 'POST', template: '/restapi/oauth/wstoken', group: 'Auth' },
  { method: 'GET', template: '/restapi/v1.0/account/{accountId}/extension', group: 'Medium' },
  { method: 'GET', template: '/restapi/v1.0/account/{accountId}/extension/{extensionId}', group: 'Light' },
  { method: 'GET', template: '/restapi/v1.0/account/{accountId}/extension/{extensionId}/profile-image', group: 'Medium' },
  { method: 'PUT', template: '/restapi/v1.0/account/{accountId}/extension/{extensionId}/profile-image', group: 'Heavy' },
  { method: 'GET', template: '/restapi/v1.0/account/{accountId}/extension/{extensionId}/profile-image/{scaleSize}', group: 'Medium' },
  { method: 'POST', template: '/team-messaging/v1/chats/{chatId}/posts', group: 'Medium' },
  { method: 'PATCH', template: '/team-messaging/v1/chats/{chatId}/posts/{postId}', group: 'Medium' },
  { method: 'POST', template: '/team-messaging/v1/chats/{chatId}/adaptive-cards', group: 'Medium' },
  { method: 'PUT', template: '/team-messaging/v1/adaptive-cards/{cardId}', group: 'Medium' },
  { method: 'POST', template: '/team-messaging/v1/conversations', group: 'Medium' },
  { method: 'GET', template: '/team-messaging/v1/chats/{chatId}', group: 'Light' },
  { method: 'GET', template: '/team-messaging/v1/chats', group: 'Medium' },
  { method: 'GET', template: '/team-messaging/v1/chats/{chatId}/posts', group: 'Medium' },
  { method: 'GET', template: '/team-messaging/v1/persons/{personId}', group: 'Light' },
  { method: 'POST', template: '/team-messaging/v1/files', group: 'Heavy' },
  { method: 'GET', template: '/restapi/v1.0/subscription', group: 'Light' },
  { method: 'POST', template: '/restapi/v1.0/subscription', group: 'Medium' },
  { method: 'GET', template: '/restapi/v1.0/subscription/{subscriptionId}', group: 'Light' },
  { method: 'PUT', template: '/restapi/v1.0/subscription/{subscriptionId}', group: 'Medium' },
  { method: 'DELETE', template: '/restapi/v1.0/subscription/{subscriptionId}', group: 'Medium' },
  { method: 'POST', template: '/restapi/v1.0/subscription/{subscriptionId}/renew', group: 'Light' },
];

const compiled = ROUTE_GROUPS.map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/**
 * The usage plan group of a call. `path` may be a full URL or a path, with or without a query.
 * Unknown routes count as Heavy, the strictest API group, so an unlisted call is never under-paced.
 */
export function usagePlanGroupOf(method: string, path: string): UsagePlanGroup {
  let pathname = path;
  if (/^https?:\/\//i.test(path)) pathname = new URL(path).pathname;
  pathname = pathname.split('?')[0] ?? pathname;
  const upper = method.toUpperCase();
  for (const r of compiled) {
    if (r.method === upper && r.pattern.test(pathname)) return r.group;
  }
  return 'Heavy';
}

/**
 * Normalises an `X-Rate-Limit-Group` header value (`light`, `Medium`, …) to a group name;
 * `undefined` for anything else.
 */
export function parseUsagePlanGroup(value: string | null | undefined): UsagePlanGroup | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'light') return 'Light';
  if (v === 'medium') return 'Medium';
  if (v === 'heavy') return 'Heavy';
  if (v === 'auth') return 'Auth';
  return undefined;
}
