/**
 * Turns what a person typed into a forgiving, comparable form: lower case, mention markup
 * replaced by `@person` / `@team`, punctuation dropped, runs of spaces collapsed.
 * Mention ids are never read from the text for targeting (they come from `body.mentions`).
 */

export interface ParsedText {
  /** The text as received (bot mention already stripped). */
  raw: string;
  /** e.g. "set avatar for @person" */
  normalized: string;
}

/**
 * Characters of a post that are looked at for a command (commands are a few words; a longer
 * text is cut here so matching stays cheap whatever people paste).
 */
export const MAX_COMMAND_CHARS = 2000;

/**
 * Normalizes text for matching; pure. Only the first MAX_COMMAND_CHARS characters count. The
 * markup patterns never scan past a bracket or parenthesis, so the work is linear in the length.
 */
export function parseCommand(text: string): ParsedText {
  const normalized = text
    .slice(0, MAX_COMMAND_CHARS)
    .replace(/!\[:Person\]\([^()]*\)/g, ' @person ')
    .replace(/!\[:Team\]\([^()]*\)/g, ' @team ')
    .replace(/!\[:[A-Za-z]+\]\([^()]*\)/g, ' ')
    .replace(/\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .toLowerCase()
    .replace(/[\u2019`]/g, "'")
    .replace(/[^\p{L}\p{N}@'\s]/gu, ' ')
    .replace(/'(?!s\b)/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/@(person|team) 's\b/g, "@$1's")
    .trim();
  return { raw: text, normalized };
}
