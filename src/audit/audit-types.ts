/**
 * Shapes shared by the audit of missing profile photos.
 *
 * The extension records are RingCentral's own `GetExtensionListInfoResponse` (as typed by
 * `@rc-ex/core`), i.e. one element of `records[]` in the answer to
 * `GET /restapi/v1.0/account/~/extension` (docs/ringcentral-notes.md §2.2).
 */
/* @rc-ex/core ships CommonJS-style .d.ts, so each default export is reached through the namespace. */
import type * as GetExtensionListInfoResponseModule from '@rc-ex/core/definitions/GetExtensionListInfoResponse';
type GetExtensionListInfoResponse = GetExtensionListInfoResponseModule.default;
import type * as EnumeratedPagingModelModule from '@rc-ex/core/definitions/EnumeratedPagingModel';
type EnumeratedPagingModel = EnumeratedPagingModelModule.default;
import type * as PageNavigationModelModule from '@rc-ex/core/definitions/PageNavigationModel';
type PageNavigationModel = PageNavigationModelModule.default;

/** One extension as listed by `GET /restapi/v1.0/account/~/extension` (`records[]`). */
export type ExtensionRecord = GetExtensionListInfoResponse;

/** Query of one extension-list page. `type` and `status` are sent as repeated query keys. */
export interface ListExtensionsPageParams {
  /** 1-based page number (RingCentral accepts 1–1000). */
  page: number;
  /** Records per page; the audit always asks for 1000. */
  perPage: number;
  /** Extension types, e.g. `['User']`. */
  type: string[];
  /** Extension statuses, e.g. `['Enabled']`. */
  status: string[];
}

/** One page of the extension list, as RingCentral returns it (`GetExtensionListResponse`). */
export interface ListExtensionsPageResult {
  records: ExtensionRecord[];
  paging?: EnumeratedPagingModel;
  navigation?: PageNavigationModel;
}

/**
 * The seam to RingCentral: fetch one page of `GET /restapi/v1.0/account/~/extension`.
 * The platform client provides it and is responsible for pacing by usage plan group (the
 * list is in the Medium group) and for waiting `Retry-After` on a 429 (docs/ringcentral-notes.md §5).
 * It rejects only when the page could not be fetched at all.
 */
export type ListExtensionsPage = (params: ListExtensionsPageParams) => Promise<ListExtensionsPageResult>;

/** Which extensions the audit looks at. Defaults: `types: ['User']`, `statuses: ['Enabled']`. */
export interface AuditFilter {
  types: string[];
  statuses: string[];
}

/** A person listed in the report (no photo, or fixed since last time). */
export interface AuditPerson {
  /** Extension id, as a decimal string (ids are int64 in the API). */
  id: string;
  name: string;
  extensionNumber?: string | undefined;
  email?: string | undefined;
  department?: string | undefined;
}

/** Summary of an earlier audit, enough to compute the change since then. */
export interface PreviousAudit {
  /** ISO 8601 time the earlier audit started. */
  startedAt: string;
  /** 0..1 */
  shareWithPhoto: number;
  /** Extension ids (decimal strings) that had no photo then. */
  missingIds: string[];
}

/** What changed since the previous audit. */
export interface AuditChange {
  previousStartedAt: string;
  previousShareWithPhoto: number;
  /** Without a photo now, but not listed as missing last time (new people included). */
  newlyMissing: AuditPerson[];
  /** Missing last time and now seen with a photo. */
  fixed: AuditPerson[];
  /** Missing last time and no longer in the audited set (left, disabled, type changed). */
  goneCount: number;
}

/** Progress of a running audit, reported once per page. */
export interface AuditProgress {
  /** Extensions looked at so far. */
  checked: number;
  /** `paging.totalElements` when the API gives it. */
  total?: number | undefined;
  /** Pages fetched so far. */
  page: number;
  totalPages?: number | undefined;
}

/** The result of one audit. */
export interface AuditReport {
  /** ISO 8601 */
  startedAt: string;
  /** ISO 8601 */
  finishedAt: string;
  /** Wall time of the whole audit, milliseconds. */
  durationMs: number;
  /** Calls made through `listExtensionsPage` (one per page). */
  apiCalls: number;
  filter: AuditFilter;
  totals: {
    /** Extensions in the audited set (after type/status filtering and de-duplication). */
    extensions: number;
    withPhoto: number;
    withoutPhoto: number;
    /** Records the API returned that did not match the filter and were left out. */
    skipped: number;
  };
  /** withPhoto / extensions, 0..1; 1 when there are no extensions. */
  shareWithPhoto: number;
  /** People without a photo, sorted by name. */
  withoutPhoto: AuditPerson[];
  /** Present when a previous audit was given. */
  change?: AuditChange | undefined;
}

/** A point of the trend: one past audit. */
export interface AuditTrendPoint {
  startedAt: string;
  shareWithPhoto: number;
  withoutPhoto: number;
  extensions: number;
}
