/**
 * Plain replies for RingCentral error codes, chosen by the `errorCode` of the answer, never by
 * the HTTP status (one status carries several codes: 403 is ACT-332, CMN-401, CMN-408 or CMN-419).
 * Meanings: docs/ringcentral-notes.md §2.3 (profile image error table) and
 * docs/ringcentral-notes.md §2.3 (CMN-408: the user lacks EditUserInfo).
 */

/** Each known code → one sentence saying what happened and what to do next. */
export const ERROR_CODE_REPLIES: Readonly<Record<string, string>> = Object.freeze({
  // 415: the image's content type is not one RingCentral takes (PNG, JPEG, GIF).
  'ACT-330': "RingCentral doesn't take this kind of image file. Please send the photo as a JPEG or PNG.",
  // 400: RingCentral could not read the image.
  'ACT-331': 'RingCentral could not read this image (it may be damaged or cut short). Please send the photo again, or try another one.',
  // 403: the extension has no one assigned to it yet.
  'ACT-332': "That extension isn't assigned to anyone yet, so RingCentral won't take a photo for it. Ask an administrator to assign the extension first.",
  // 404 on the scaled GET: no image at that scale size.
  'ACT-333': "RingCentral has no profile photo at that size for this person; they may not have a photo yet. Ask them to set one with \"set my avatar\".",
  // 400: more than 12 megapixels.
  'ACT-334': 'That picture has more than 12 megapixels, which RingCentral refuses. Please send a smaller photo (for example 3000 x 3000 pixels or less).',
  // 403: the app lacks the EditExtensions permission.
  'CMN-401': "This bot's RingCentral app isn't allowed to change profile photos (it lacks the Edit Extensions permission). Please ask your RingCentral administrator to add it to the app.",
  // 403: the person lacks the EditUserInfo permission.
  'CMN-408': "Your RingCentral role doesn't allow changing profile details (the Edit User Info permission). Please ask your RingCentral administrator to grant it.",
  // 403: another extension needs EditUserInfo with extended (administrator) scope.
  'CMN-419': "RingCentral refused: you're not an administrator. Only an administrator can change another person's photo; ask one to do it, or set your own with \"set my avatar\".",
});

/** The reply for an error code, or undefined when the code has no sentence of its own. */
export function replyForErrorCode(errorCode: string | undefined): string | undefined {
  if (!errorCode) return undefined;
  return Object.hasOwn(ERROR_CODE_REPLIES, errorCode) ? ERROR_CODE_REPLIES[errorCode] : undefined;
}
