import type { EmulatorExtension, ExtensionStatus, ExtensionType } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { EXTENSION_STATUSES, EXTENSION_TYPES } from '../platform/extensions-routes.ts';
import { buildProfileImage } from '../platform/profile-image-processing.ts';
import { checkSeedOptions, seedCompany, type SeedOptions } from '../platform/seed-company.ts';
import { isExpired } from '../subscriptions/subscription-store.ts';

/**
 * Setting the emulated account up from the control API: reset and seed, the state summary, and
 * adding extensions.
 */

/**
 * Wipes the emulated world in place (the state object is shared with the messaging part):
 * every Map on the state is cleared, recorded requests and faults emptied, the bot forgotten,
 * ids restarted; then emits `'reset'` on `state.bus` (the messaging part drops its sessions)
 * and seeds the company (`seedCompany`). Settings, the app and the clock are kept.
 * Throws RangeError for bad seed options before anything is wiped.
 */
export async function resetState(state: EmulatorState, seed: SeedOptions = {}): Promise<void> {
  checkSeedOptions(seed);
  for (const value of Object.values(state)) {
    if (value instanceof Map) value.clear();
  }
  state.requests.length = 0;
  state.faults.length = 0;
  state.botExtensionId = undefined;
  state.adminJwt = '';
  state.resetIds();
  state.bus.emit('reset');
  await seedCompany(state, seed);
}

/** The documented `GET /_emulator/state` shape (docs/emulator.md#control-api). */
export function stateSummary(state: EmulatorState): Record<string, unknown> {
  const users: Record<string, unknown>[] = [];
  for (const e of state.extensions.values()) {
    if (e.type !== 'User') continue;
    users.push({
      id: e.id,
      name: `${e.firstName} ${e.lastName}`,
      email: e.email,
      admin: e.admin,
      hasPhoto: Boolean(e.profileImage),
      status: e.status,
      extensionNumber: e.extensionNumber,
      department: e.department,
    });
  }
  const out: Record<string, unknown> = {
    accountId: state.accountId,
    baseUrl: state.baseUrl,
    app: { clientId: state.app.clientId, clientSecret: state.app.clientSecret },
    adminJwt: state.adminJwt,
    users,
    chats: [...state.chats.values()].map((c) => ({ id: c.id, type: c.type, name: c.name, members: c.members })),
    // `Expired` is a control-view status only: the platform API no longer lists such a subscription.
    subscriptions: [...state.subscriptions.values()].map((s) => ({
      id: s.id,
      status: isExpired(state, s) ? 'Expired' : s.status,
      eventFilters: s.eventFilters,
      transportType: s.transportType,
      address: s.address,
      ownerExtensionId: s.ownerExtensionId,
      expirationTime: new Date(s.expiresAt).toISOString(),
      failedDeliveries: s.failedDeliveries,
      blacklistedData: s.blacklistedData,
    })),
  };
  if (state.botExtensionId) out.bot = { extensionId: state.botExtensionId };
  return out;
}

/** `v` when it is a string, else undefined (for loosely typed control bodies). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Creates an extension from `POST /_emulator/extensions`
 * `{firstName,lastName,email,type?,status?,admin?,photoBase64?,department?}`. Throws
 * RangeError for bad fields, ApiError for a bad photo.
 */
export async function addExtension(state: EmulatorState, b: Record<string, unknown>): Promise<EmulatorExtension> {
  const firstName = str(b.firstName);
  const lastName = str(b.lastName) ?? '';
  if (!firstName) throw new RangeError('firstName is required');
  const type = (str(b.type) ?? 'User') as ExtensionType;
  if (!EXTENSION_TYPES.includes(type)) throw new RangeError(`type must be one of ${EXTENSION_TYPES.join(', ')}`);
  const status = (str(b.status) ?? 'Enabled') as ExtensionStatus;
  if (!EXTENSION_STATUSES.includes(status)) throw new RangeError(`status must be one of ${EXTENSION_STATUSES.join(', ')}`);
  let maxNumber = 100;
  for (const e of state.extensions.values()) maxNumber = Math.max(maxNumber, Number(e.extensionNumber) || 0);
  const ext: EmulatorExtension = {
    id: state.nextId(),
    extensionNumber: status === 'Unassigned' ? '' : str(b.extensionNumber) ?? String(maxNumber + 1),
    type,
    status,
    firstName,
    lastName,
    email: str(b.email) ?? `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z0-9.]/g, '') + '@example.com',
    admin: b.admin === true,
  };
  const department = str(b.department);
  if (department) ext.department = department;
  const photo = str(b.photoBase64);
  if (photo) {
    // Validated before the extension exists, so a bad photo leaves nothing half-made behind.
    ext.profileImage = await buildProfileImage(Buffer.from(photo, 'base64'), state.isoNow());
  }
  state.extensions.set(ext.id, ext);
  if (type === 'Bot' && !state.botExtensionId) state.botExtensionId = ext.id;
  return ext;
}
