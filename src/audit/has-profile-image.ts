import type * as ProfileImageInfoModule from '@rc-ex/core/definitions/ProfileImageInfo';
/* @rc-ex/core ships CommonJS-style .d.ts, so its default export is reached through the namespace. */
type ProfileImageInfo = ProfileImageInfoModule.default;

/**
 * Whether an extension has a profile image, judged from the `profileImage` object of the
 * extension list alone (no image request).
 *
 * RingCentral's `ProfileImageInfo` says that when no image was uploaded only `uri` is
 * returned; `etag`, `lastModified`, `contentType` and `scales` appear once an image is set
 * (docs/ringcentral-notes.md §2.2 "profileImage object", SPEC `ProfileImageInfo`; official
 * example in `samples/rest-list-extensions-with-profile-image.json`).
 *
 * In: the record's `profileImage` (may be absent). Out: `true` when any of `etag`,
 * `lastModified`, `contentType` or a non-empty `scales` is present; `false` for a bare
 * `{uri}` and for a missing object (we cannot show a photo we cannot see). Never throws.
 */
export function hasProfileImage(profileImage: ProfileImageInfo | undefined | null): boolean {
  if (!profileImage || typeof profileImage !== 'object') return false;
  if (typeof profileImage.etag === 'string' && profileImage.etag.length > 0) return true;
  if (typeof profileImage.lastModified === 'string' && profileImage.lastModified.length > 0) return true;
  if (typeof profileImage.contentType === 'string' && profileImage.contentType.length > 0) return true;
  return Array.isArray(profileImage.scales) && profileImage.scales.length > 0;
}
