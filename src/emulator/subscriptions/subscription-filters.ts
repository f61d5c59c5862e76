import type { EmulatorState } from '../emulator-state.ts';
import { ApiError } from '../api-error.ts';

/**
 * Event filters the emulator understands (docs/ringcentral-notes.md §2.6 "Event filters a bot uses"),
 * their normalisation at subscription time, and matching against published event paths.
 */

export type FilterKind = 'posts' | 'chats' | 'extension' | 'extension-list' | 'reminder';

export interface ParsedFilter {
  kind: FilterKind;
  /** True for the legacy `/restapi/v1.0/glip/*` filters (legacy chat type names in bodies). */
  legacy: boolean;
  /** Extension id for `extension`; reminder threshold/interval in seconds. */
  extensionId?: string;
  accountId?: string;
  threshold?: number;
  interval?: number;
}

const POSTS_FILTERS = new Set(['/team-messaging/v1/posts', '/restapi/v1.0/glip/posts']);
const CHATS_FILTERS = new Set(['/team-messaging/v1/chats', '/team-messaging/v1/groups', '/restapi/v1.0/glip/groups']);
const EXT_RE = /^\/restapi\/v1\.0\/account\/([^/?]+)\/extension\/([^/?]+)$/;
const EXT_LIST_RE = /^\/restapi\/v1\.0\/account\/([^/?]+)\/extension$/;
const REMINDER_RE = /^\/restapi\/v1\.0\/subscription\/~\?(.*)$/;

/** Classifies a stored (normalised) filter, or undefined when the emulator doesn't support it. */
export function parseFilter(filter: string): ParsedFilter | undefined {
  if (POSTS_FILTERS.has(filter)) return { kind: 'posts', legacy: filter.startsWith('/restapi/') };
  if (CHATS_FILTERS.has(filter)) return { kind: 'chats', legacy: filter.startsWith('/restapi/') };
  let m = EXT_RE.exec(filter);
  if (m) return { kind: 'extension', legacy: false, accountId: m[1] as string, extensionId: m[2] as string };
  m = EXT_LIST_RE.exec(filter);
  if (m) return { kind: 'extension-list', legacy: false, accountId: m[1] as string };
  m = REMINDER_RE.exec(filter);
  if (m) {
    const q = new URLSearchParams(m[1]);
    return { kind: 'reminder', legacy: false, threshold: Number(q.get('threshold')), interval: Number(q.get('interval')) };
  }
  return undefined;
}

function invalidFilters(): ApiError {
  return new ApiError(400, 'SUB-508', 'Invalid event filters', 'eventFilters');
}

/**
 * Validates and normalises requested event filters for `ownerId`: `~` in account and extension
 * paths becomes the real ids (SPEC createSubscription example); duplicates are dropped; the
 * renewal reminder filter is kept as written. Throws ApiError:
 * 400 SUB-508 unsupported filter or unknown extension; 403 SUB-406 another account's
 * extension; 400 SUB-516 reminder without positive integer `threshold` and `interval`.
 */
export function normalizeFilters(state: EmulatorState, filters: unknown, ownerId: string): string[] {
  if (!Array.isArray(filters) || filters.length === 0 || filters.some((f) => typeof f !== 'string' || f.trim() === '')) {
    throw new ApiError(400, 'CMN-101', 'Parameter [eventFilters] value is invalid.', 'eventFilters');
  }
  const out: string[] = [];
  for (const raw of filters as string[]) {
    let filter = raw.trim();
    if (REMINDER_RE.test(filter)) {
      const parsed = parseFilter(filter);
      const ok = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0;
      if (!parsed || !ok(parsed.threshold) || !ok(parsed.interval)) {
        throw new ApiError(400, 'SUB-516', 'Invalid reminder parameters', 'eventFilters');
      }
    } else {
      filter = filter.replace(/^\/restapi\/v1\.0\/account\/~(?=\/|$)/, `/restapi/v1.0/account/${state.accountId}`);
      const ext = EXT_RE.exec(filter);
      if (ext) {
        const extId = ext[2] === '~' ? ownerId : (ext[2] as string);
        filter = `/restapi/v1.0/account/${ext[1]}/extension/${extId}`;
        if (ext[1] !== state.accountId) {
          throw new ApiError(403, 'SUB-406', 'Not allowed subscribe for events to extensions of other account');
        }
        if (!state.extensions.has(extId)) throw invalidFilters();
      }
      const list = EXT_LIST_RE.exec(filter);
      if (list && list[1] !== state.accountId) {
        throw new ApiError(403, 'SUB-406', 'Not allowed subscribe for events to extensions of other account');
      }
      if (!parseFilter(filter)) throw invalidFilters();
    }
    if (!out.includes(filter)) out.push(filter);
  }
  return out;
}

/**
 * Whether a stored filter receives a published event. Post events are published on
 * `/team-messaging/v1/posts` and chat events on `/team-messaging/v1/chats`; the legacy and
 * `/groups` filters are aliases. Extension events are published on
 * `/restapi/v1.0/account/{accountId|~}/extension/{id}`: the per-extension filter takes its own,
 * the extension-list filter takes every extension's.
 */
export function filterMatches(state: EmulatorState, filter: string, event: string): boolean {
  const parsed = parseFilter(filter);
  if (!parsed) return false;
  const ev = event.replace(/^\/restapi\/v1\.0\/account\/~(?=\/|$)/, `/restapi/v1.0/account/${state.accountId}`);
  switch (parsed.kind) {
    case 'posts':
      return POSTS_FILTERS.has(ev);
    case 'chats':
      return CHATS_FILTERS.has(ev);
    case 'extension':
      return ev === filter;
    case 'extension-list': {
      if (ev === filter) return true;
      const m = EXT_RE.exec(ev);
      return m !== null && m[1] === parsed.accountId;
    }
    case 'reminder':
      return false;
  }
}
