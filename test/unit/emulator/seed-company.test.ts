import { describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { EmulatorState } from '../../../src/emulator/emulator-state.ts';
import { seedCompany } from '../../../src/emulator/platform/seed-company.ts';

function snapshot(state: EmulatorState) {
  return [...state.extensions.values()].map((e) => [e.id, e.firstName, e.lastName, e.email, e.status, e.admin, Boolean(e.profileImage)]);
}

describe('seedCompany', () => {
  it('is deterministic for the same options after resetIds', async () => {
    const a = new EmulatorState();
    await seedCompany(a, { users: 40, withPhotoRatio: 0.3 });
    const b = new EmulatorState();
    await seedCompany(b, { users: 40, withPhotoRatio: 0.3 });
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it('has exactly one admin, unique emails, the special statuses, and shares photo buffers', async () => {
    const s = new EmulatorState();
    await seedCompany(s, { users: 2000, withPhotoRatio: 0.5 });
    const all = [...s.extensions.values()];
    expect(all.filter((e) => e.admin)).toHaveLength(1);
    expect(new Set(all.map((e) => e.email)).size).toBe(2000);
    expect(all.filter((e) => e.status === 'Unassigned')).toHaveLength(1);
    expect(all.filter((e) => e.status === 'NotActivated')).toHaveLength(1);
    expect(all.filter((e) => e.status === 'Disabled').length).toBeGreaterThanOrEqual(2);
    const photos = all.filter((e) => e.profileImage);
    expect(photos.length).toBeGreaterThan(900);
    expect(photos.length).toBeLessThan(1100);
    expect(new Set(photos.map((e) => e.profileImage)).size).toBeLessThanOrEqual(4);
    expect(all.find((e) => e.status === 'Unassigned')!.extensionNumber).toBe('');
  });

  it('signs an admin JWT whose sub is the owner', async () => {
    const s = new EmulatorState();
    await seedCompany(s, { users: 3 });
    const { payload } = await jwtVerify(s.adminJwt, new TextEncoder().encode(s.jwtSecret));
    const owner = [...s.extensions.values()].find((e) => e.admin)!;
    expect(payload.sub).toBe(owner.id);
  });

  it('rejects out-of-range options', async () => {
    await expect(seedCompany(new EmulatorState(), { users: 0 })).rejects.toThrow(RangeError);
    await expect(seedCompany(new EmulatorState(), { users: 100_001 })).rejects.toThrow(RangeError);
    await expect(seedCompany(new EmulatorState(), { users: 2, withPhotoRatio: 2 })).rejects.toThrow(RangeError);
  });
});

describe('createEmulator with bad seed options', () => {
  it('rejects and does not stay listening', async () => {
    const { createEmulator } = await import('../../../src/emulator/create-emulator.ts');
    await expect(createEmulator({ seed: { users: -1 } })).rejects.toThrow(RangeError);
  });
});
