/**
 * Guests in Team Messaging (people invited from outside the account) have person ids starting
 * with `glip-` and no RingCentral extension, so no profile photo the bot could read or set.
 */

/** True when `personId` is a guest's (a `glip-…` id). */
export function isGuest(personId: string): boolean {
  return personId.startsWith('glip-');
}
