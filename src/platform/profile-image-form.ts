/**
 * The multipart body of a profile-image upload, built the way RingCentral accepts it
 * (docs/ringcentral-notes.md §2.3; docs/ringcentral-notes.md §9.13): exactly one part, named `image`, with a file name
 * whose extension matches and the image's real content type. Uses the `form-data` package because
 * the SDK's Node transport (node-fetch v2) sends a native FormData as the text "[object FormData]"
 * (docs/ringcentral-notes.md §7.7). A FormData is a stream and is consumed once, so callers build a new
 * one for every attempt (docs/ringcentral-notes.md §7.8).
 */
import FormData from 'form-data';

/** Content types RingCentral takes for a profile image (GET returns these; others give ACT-330). */
export const PROFILE_IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/gif'] as const;

/** File name for a content type: `avatar.jpg`, `avatar.png`, `avatar.gif`. Throws for other types. */
export function profileImageFileName(contentType: string): string {
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  if (base === 'image/jpeg') return 'avatar.jpg';
  if (base === 'image/png') return 'avatar.png';
  if (base === 'image/gif') return 'avatar.gif';
  throw new TypeError(`profile image content type must be image/jpeg, image/png or image/gif, not ${contentType}`);
}

/** A fresh multipart body with one `image` part holding `bytes` (content type as given). */
export function buildProfileImageForm(image: { bytes: Buffer; contentType: string }): FormData {
  const form = new FormData();
  form.append('image', image.bytes, {
    filename: profileImageFileName(image.contentType),
    contentType: image.contentType.split(';')[0]?.trim().toLowerCase() ?? image.contentType,
    knownLength: image.bytes.length,
  });
  return form;
}
