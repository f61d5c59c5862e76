import { performance } from 'node:perf_hooks';
import { hasProfileImage } from './has-profile-image.ts';
import type {
  AuditChange,
  AuditFilter,
  AuditPerson,
  AuditProgress,
  AuditReport,
  ExtensionRecord,
  ListExtensionsPage,
  PreviousAudit,
} from './audit-types.ts';

/** Records per page the audit asks for (the extension list's largest useful page). */
export const AUDIT_PAGE_SIZE = 1000;
/** RingCentral's `paging.page` range is 1–1000 (docs/ringcentral-notes.md §2.2), so no more pages than this. */
export const AUDIT_MAX_PAGES = 1000;
/** Default audited set: people, not bots, rooms or IVR menus; enabled only. */
export const DEFAULT_AUDIT_FILTER: Readonly<AuditFilter> = Object.freeze({
  types: ['User'],
  statuses: ['Enabled'],
});

export interface RunAuditOptions {
  /** The seam to `GET /restapi/v1.0/account/~/extension`; see {@link ListExtensionsPage}. */
  listExtensionsPage: ListExtensionsPage;
  /** Types and statuses to audit; sent to the API and re-checked locally. */
  filter?: Partial<AuditFilter> | undefined;
  /** The last audit, to compute who is newly missing and who fixed theirs. */
  previous?: PreviousAudit | undefined;
  /** Called after each page. Best effort: a throw or rejection here is ignored. */
  onProgress?: ((progress: AuditProgress) => void | Promise<void>) | undefined;
  /** Stops the audit between pages; the promise then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Thrown when the extension list does not end within {@link AUDIT_MAX_PAGES} pages. */
export class AuditPagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditPagingError';
  }
}

/** Display name of an extension: `name`, else the contact's first and last name, else `Extension <number|id>`. */
export function extensionDisplayName(record: ExtensionRecord): string {
  const name = record.name?.trim();
  if (name) return name;
  const contactName = [record.contact?.firstName, record.contact?.lastName]
    .filter((part): part is string => typeof part === 'string' && part.trim().length > 0)
    .join(' ')
    .trim();
  if (contactName) return contactName;
  return `Extension ${record.extensionNumber ?? String(record.id)}`;
}

/** The report row for one extension (id as a decimal string). */
export function toAuditPerson(record: ExtensionRecord): AuditPerson {
  return {
    id: String(record.id),
    name: extensionDisplayName(record),
    extensionNumber: record.extensionNumber,
    email: record.contact?.email,
    department: record.contact?.department,
  };
}

const byName = (a: AuditPerson, b: AuditPerson): number =>
  a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id);

/**
 * Audit which extensions have no profile image, with one list call per 1000 extensions.
 *
 * Pages through `GET /restapi/v1.0/account/~/extension` (docs/ringcentral-notes.md §2.2) via
 * `listExtensionsPage` with `perPage=1000` and the filter's `type`/`status`, starting at
 * page 1 and following pages while `navigation.nextPage` is present (when a response carries
 * no `navigation` at all, `paging.totalPages` decides). Never requests anything per person:
 * each record is classified by {@link hasProfileImage}. Records whose `type`/`status` don't
 * match the filter (should the server ignore the query) are counted in `totals.skipped`;
 * an id seen twice (the list shifted between pages) counts once.
 *
 * Out: an {@link AuditReport}; `durationMs` in milliseconds, `apiCalls` = pages fetched.
 * Throws: whatever `listExtensionsPage` throws (after its own retries), the signal's reason
 * when aborted, {@link AuditPagingError} past {@link AUDIT_MAX_PAGES} pages.
 */
export async function runAudit(options: RunAuditOptions): Promise<AuditReport> {
  const filter: AuditFilter = {
    types: [...(options.filter?.types ?? DEFAULT_AUDIT_FILTER.types)],
    statuses: [...(options.filter?.statuses ?? DEFAULT_AUDIT_FILTER.statuses)],
  };
  const typeSet = new Set(filter.types);
  const statusSet = new Set(filter.statuses);
  const startedAt = new Date();
  const t0 = performance.now();

  const seen = new Set<string>();
  const withPhotoIds = new Set<string>();
  const withoutPhoto: AuditPerson[] = [];
  const previousMissing = new Set(options.previous?.missingIds ?? []);
  const fixed: AuditPerson[] = [];
  let skipped = 0;
  let checked = 0;
  let apiCalls = 0;

  for (let page = 1; ; page++) {
    options.signal?.throwIfAborted();
    if (page > AUDIT_MAX_PAGES) {
      throw new AuditPagingError(
        `The extension list did not end after ${AUDIT_MAX_PAGES} pages of ${AUDIT_PAGE_SIZE}; stopping the audit.`,
      );
    }
    apiCalls++;
    const result = await options.listExtensionsPage({
      page,
      perPage: AUDIT_PAGE_SIZE,
      type: filter.types,
      status: filter.statuses,
    });
    const records = Array.isArray(result.records) ? result.records : [];
    for (const record of records) {
      checked++;
      if (record.id === undefined || record.id === null) {
        skipped++;
        continue;
      }
      if ((typeSet.size > 0 && !typeSet.has(String(record.type))) || (statusSet.size > 0 && !statusSet.has(String(record.status)))) {
        skipped++;
        continue;
      }
      const id = String(record.id);
      if (seen.has(id)) continue;
      seen.add(id);
      if (hasProfileImage(record.profileImage)) {
        withPhotoIds.add(id);
        if (previousMissing.has(id)) fixed.push(toAuditPerson(record));
      } else {
        withoutPhoto.push(toAuditPerson(record));
      }
    }

    if (options.onProgress) {
      try {
        await options.onProgress({
          checked,
          total: result.paging?.totalElements,
          page,
          totalPages: result.paging?.totalPages,
        });
      } catch {
        // Progress is best effort; the audit itself carries on.
      }
    }

    const hasNext = result.navigation
      ? Boolean(result.navigation.nextPage)
      : result.paging?.totalPages !== undefined && page < result.paging.totalPages;
    if (!hasNext || records.length === 0) break;
  }

  withoutPhoto.sort(byName);
  fixed.sort(byName);
  const extensions = seen.size;
  const withPhoto = withPhotoIds.size;

  let change: AuditChange | undefined;
  if (options.previous) {
    let stillPresent = 0;
    for (const id of previousMissing) if (seen.has(id)) stillPresent++;
    change = {
      previousStartedAt: options.previous.startedAt,
      previousShareWithPhoto: options.previous.shareWithPhoto,
      newlyMissing: withoutPhoto.filter((person) => !previousMissing.has(person.id)),
      fixed,
      goneCount: previousMissing.size - stillPresent,
    };
  }

  const finishedAt = new Date();
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    apiCalls,
    filter,
    totals: { extensions, withPhoto, withoutPhoto: withoutPhoto.length, skipped },
    shareWithPhoto: extensions === 0 ? 1 : withPhoto / extensions,
    withoutPhoto,
    change,
  };
}
