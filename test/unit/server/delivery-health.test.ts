import { describe, expect, it } from 'vitest';
import { deliveryHealth } from '../../../src/server/delivery-health.ts';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const idle = { state: 'idle' as const, chats: 0, chatsDone: 0, postsFound: 0, postsQueued: 0 };

describe('deliveryHealth', () => {
  it('is fine while Active and unexpired, and shows the last notification', () => {
    const h = deliveryHealth({ status: { mode: 'webhook', state: 'active', platformStatus: 'Active', expiresAt: new Date(NOW + 1000).toISOString() }, lastNotificationAt: NOW - 5, catchUp: idle, now: NOW });
    expect(h).toMatchObject({ broken: false, problems: [], lastNotificationAt: new Date(NOW - 5).toISOString() });
  });
  it('is broken while Blacklisted, expired, missing, or being repaired (503 in /health)', () => {
    expect(deliveryHealth({ status: { mode: 'webhook', state: 'active', platformStatus: 'Blacklisted' }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).problems).toEqual(['RingCentral says the subscription is Blacklisted']);
    expect(deliveryHealth({ status: { mode: 'webhook', state: 'active', platformStatus: 'Active', expiresAt: new Date(NOW - 1).toISOString() }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).broken).toBe(true);
    expect(deliveryHealth({ status: { mode: 'webhook', state: 'repairing', platformStatus: 'None', lastError: 'x' }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).problems).toHaveLength(2);
    expect(deliveryHealth({ status: { mode: 'websocket', state: 'repairing' }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).broken).toBe(true);
  });
  it('is not broken before the bot is installed or while starting', () => {
    expect(deliveryHealth({ status: { mode: 'webhook', state: 'waiting-for-bot' }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).broken).toBe(false);
    expect(deliveryHealth({ status: { mode: 'websocket', state: 'starting' }, lastNotificationAt: undefined, catchUp: idle, now: NOW }).broken).toBe(false);
  });
});
