import { describe, expect, it } from 'vitest';
import { MAX_NOTIFICATION_DEPTH, jsonDepthExceeds } from '../../../src/events/json-depth.ts';
import { toNotificationEnvelope } from '../../../src/events/parse-notification.ts';

const nested = (depth: number) => JSON.parse('{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1)) as unknown;

describe('jsonDepthExceeds', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(jsonDepthExceeds(1, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 1)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [{ b: 1 }] }, 2)).toBe(true);
    expect(jsonDepthExceeds(nested(64), 64)).toBe(false);
    expect(jsonDepthExceeds(nested(65), 64)).toBe(true);
  });

  it('handles 100 000 levels without a stack overflow', () => {
    expect(jsonDepthExceeds(nested(100_000), MAX_NOTIFICATION_DEPTH)).toBe(true);
  });

  it('makes a notification too deep to store an unusable one', () => {
    const deep = { uuid: 'u1', event: '/team-messaging/v1/posts', body: nested(10_000) };
    expect(() => toNotificationEnvelope(deep)).toThrow(/nested deeper than 64/);
  });
});
