/**
 * Test data shaped like `records[]` of GET /restapi/v1.0/account/~/extension, following the
 * official example in ../shared/ringcentral/samples/rest-list-extensions-with-profile-image.json.
 */
import type { ExtensionRecord, ListExtensionsPage, ListExtensionsPageParams } from '../../../src/audit/audit-types.ts';

const ACCOUNT = '400000000008';

export interface MakeExtensionOptions {
  id: number;
  firstName: string;
  lastName: string;
  hasPhoto: boolean;
  type?: string;
  status?: string;
  department?: string;
  extensionNumber?: string;
}

/** One extension record; with a photo it carries etag/contentType/lastModified/scales. */
export function makeExtension(o: MakeExtensionOptions): ExtensionRecord {
  const base = `https://platform.example.test/restapi/v1.0/account/${ACCOUNT}/extension/${o.id}`;
  const media = `https://media.example.test/restapi/v1.0/account/${ACCOUNT}/extension/${o.id}/profile-image`;
  const record = {
    uri: base,
    id: o.id,
    extensionNumber: o.extensionNumber ?? String(100 + (o.id % 100000)),
    contact: {
      firstName: o.firstName,
      lastName: o.lastName,
      email: `${o.firstName}.${o.lastName}@example.test`.toLowerCase(),
      emailAsLoginName: true,
      ...(o.department ? { department: o.department } : {}),
    },
    name: `${o.firstName} ${o.lastName}`,
    type: o.type ?? 'User',
    status: o.status ?? 'Enabled',
    permissions: { admin: { enabled: false }, internationalCalling: { enabled: false } },
    profileImage: o.hasPhoto
      ? {
          uri: media,
          etag: `etag-${o.id}`,
          contentType: 'image/jpeg',
          lastModified: '2026-01-02T03:04:05.000Z',
          scales: [{ uri: `${media}/90x90` }, { uri: `${media}/195x195` }, { uri: `${media}/584x584` }],
        }
      : { uri: media },
  };
  return record as ExtensionRecord;
}

/** `count` users, ids 1000+i; every `photoEvery`-th (i % photoEvery === 0) has a photo. */
export function makeUsers(count: number, photoEvery = 3): ExtensionRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeExtension({ id: 1000 + i, firstName: `First${i}`, lastName: `Last${i}`, hasPhoto: i % photoEvery === 0 }),
  );
}

export interface FakeListOptions {
  /** Apply type/status like the server does (default true). */
  honourFilter?: boolean;
  /** Leave `navigation` out of responses (paging only). */
  omitNavigation?: boolean;
}

/**
 * A pure in-memory `listExtensionsPage` over `all`, paging like RingCentral: `paging`
 * with totals and `navigation.nextPage` only when another page exists. Records every call.
 */
export function fakeListExtensionsPage(
  all: readonly ExtensionRecord[],
  options: FakeListOptions = {},
): ListExtensionsPage & { calls: ListExtensionsPageParams[] } {
  const calls: ListExtensionsPageParams[] = [];
  const fn = async (params: ListExtensionsPageParams) => {
    calls.push({ ...params, type: [...params.type], status: [...params.status] });
    const matching =
      options.honourFilter === false
        ? all
        : all.filter(
            (r) =>
              (params.type.length === 0 || params.type.includes(String(r.type))) &&
              (params.status.length === 0 || params.status.includes(String(r.status))),
          );
    const totalPages = Math.max(1, Math.ceil(matching.length / params.perPage));
    const start = (params.page - 1) * params.perPage;
    const records = matching.slice(start, start + params.perPage);
    const uri = (page: number) =>
      `https://platform.example.test/restapi/v1.0/account/~/extension?page=${page}&perPage=${params.perPage}`;
    return {
      records,
      paging: {
        page: params.page,
        perPage: params.perPage,
        totalPages,
        totalElements: matching.length,
        ...(records.length > 0 ? { pageStart: start, pageEnd: start + records.length - 1 } : {}),
      },
      ...(options.omitNavigation
        ? {}
        : {
            navigation: {
              firstPage: { uri: uri(1) },
              lastPage: { uri: uri(totalPages) },
              ...(params.page < totalPages ? { nextPage: { uri: uri(params.page + 1) } } : {}),
              ...(params.page > 1 ? { previousPage: { uri: uri(params.page - 1) } } : {}),
            },
          }),
    };
  };
  return Object.assign(fn, { calls });
}
