import { describe, expect, it } from 'vitest';
import { laneOf } from '../../../src/events/lane-of.ts';

describe('laneOf', () => {
  it('sends posts with attachments and sign-in completions to the heavy lane', () => {
    expect(laneOf('webhook', { body: { eventType: 'PostAdded', attachments: [{ type: 'File' }] } })).toBe('heavy');
    expect(laneOf('internal', { type: 'authorization-completed' })).toBe('heavy');
  });
  it('keeps everything else light', () => {
    expect(laneOf('webhook', { body: { eventType: 'PostAdded', attachments: null } })).toBe('light');
    expect(laneOf('webhook', { body: { eventType: 'PostAdded', attachments: [] } })).toBe('light');
    expect(laneOf('webhook', { body: { eventType: 'GroupJoined' } })).toBe('light');
    expect(laneOf('interactive', { data: {} })).toBe('light');
  });
});
