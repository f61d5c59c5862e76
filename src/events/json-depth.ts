/**
 * How deep a parsed JSON value nests, checked without recursion: `JSON.parse` accepts any depth,
 * but `JSON.stringify` (storing the event) overflows the stack past a few thousand levels.
 */

/**
 * Deepest nesting a notification may have. RingCentral's own are under 10 levels (envelope →
 * body → attachments[] → attachment → fields[] → field); the margin is wide.
 */
export const MAX_NOTIFICATION_DEPTH = 64;

/** Whether objects/arrays in `value` nest more than `max` levels (the value itself is level 1). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<{ v: object; depth: number }> = [];
  if (typeof value === 'object' && value !== null) stack.push({ v: value, depth: 1 });
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (depth > max) return true;
    for (const child of Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child as object, depth: depth + 1 });
    }
  }
  return false;
}
