import { Jimp } from 'jimp';
import type { EmulatorExtension, ExtensionStatus, ProfileImageRecord } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { etagOf, PROFILE_IMAGE_SCALES } from './profile-image-processing.ts';
import { signJwtCredential } from './oauth-tokens.ts';

/** Seed options of `POST /_emulator/reset` and `createEmulator({seed})`. */
export interface SeedOptions {
  /** User extensions to create, the account owner (an admin) included; 1..100,000 (default 1). */
  users?: number;
  /** Share of users (0..1) that get a profile image, chosen deterministically (default 0). */
  withPhotoRatio?: number;
}

export const SEED_MAX_USERS = 100_000;

const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'Mateo', 'Isabella', 'Lucas',
  'Mia', 'Levi', 'Charlotte', 'Ethan', 'Harper', 'James', 'Evelyn', 'Aiden', 'Luna', 'Benjamin', 'Camila', 'Kai',
  'Gianna', 'Henry', 'Aria', 'Hiro', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Zoe', 'Diego', 'Nora', 'Wei', 'Aisha',
  'Tomás', 'Ingrid', 'Kwame', 'Sofia', 'Mohammed', 'Yuki', 'Lars', 'Chloe', 'Ravi', 'Leila', 'Samuel', 'Hannah',
  'Daniel', 'Grace', 'Jack', 'Lily', 'Owen', 'Ella', 'Gabriel', 'Maya', 'Julian', 'Ruby', 'Isaac',
];

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez',
  'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen',
  'King', 'Wright', 'Scott', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera',
  'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Patel', 'Kim', 'Chen', 'Okafor', 'Schmidt', 'Rossi', 'Tanaka',
  'Kowalski', 'Novak', 'Silva', 'Haddad', 'Andersson',
];

const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Support', 'Finance', 'Human Resources', 'Operations', 'Legal', 'Product', 'Design'];

/** Background colours of the generated seed photos (RGBA). */
const PHOTO_COLOURS = [0x2f6fb5ff, 0xc0504dff, 0x9bbb59ff, 0x8064a2ff];

export const SEED_EMAIL_DOMAIN = 'example.com';

let photoSetPromise: Promise<ProfileImageRecord[]> | undefined;

/**
 * One generated portrait per colour (a head-and-shoulders silhouette on a plain background,
 * 584×584 PNG) with real resized scales; built once per process and shared by every seeded
 * user of that colour so seeding 100,000 users stays fast and small.
 */
export function seedPhotoSet(): Promise<ProfileImageRecord[]> {
  photoSetPromise ??= Promise.all(PHOTO_COLOURS.map((c) => portrait(c)));
  return photoSetPromise;
}

async function portrait(colour: number): Promise<ProfileImageRecord> {
  const size = 584;
  const img = new Jimp({ width: size, height: size, color: colour });
  const skin = 0xf1c7a5ff;
  const shirt = 0x333a44ff;
  const data = img.bitmap.data;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dxh = x - 292;
      const dyh = y - 234;
      const inHead = dxh * dxh + dyh * dyh < 107 * 107;
      const dxb = (x - 292) / 224;
      const dyb = (y - 604) / 185;
      const inBody = dxb * dxb + dyb * dyb < 1;
      const c = inHead ? skin : inBody ? shirt : undefined;
      if (c !== undefined) {
        const i = (y * size + x) * 4;
        data[i] = (c >>> 24) & 0xff;
        data[i + 1] = (c >>> 16) & 0xff;
        data[i + 2] = (c >>> 8) & 0xff;
        data[i + 3] = 0xff;
      }
    }
  }
  const original = await img.getBuffer('image/png');
  const scales = new Map<string, Buffer>();
  for (const s of PROFILE_IMAGE_SCALES) {
    const side = Number(s.split('x')[0]);
    scales.set(s, side === size ? original : await img.clone().resize({ w: side, h: side }).getBuffer('image/png'));
  }
  return { original, contentType: 'image/png', scales, etag: etagOf(original), lastModified: '2026-01-05T09:00:00.000Z' };
}

/** Deterministic "random" in [0,1) for index i (a multiplicative hash; no state). */
function unit(i: number, salt: number): number {
  let h = Math.imul(i ^ salt, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return (h >>> 0) / 0x1_0000_0000;
}

/** Status of seeded user i of n: the last three of a company of 8+ are Disabled, NotActivated, Unassigned; plus 1 in 500 Disabled. */
function seededStatus(i: number, n: number): ExtensionStatus {
  if (n >= 8) {
    if (i === n - 3) return 'Disabled';
    if (i === n - 2) return 'NotActivated';
    if (i === n - 1) return 'Unassigned';
  }
  if (i > 0 && i % 500 === 499) return 'Disabled';
  return 'Enabled';
}

/**
 * Checks seed options without touching any state: `users` an integer 1..100,000 (default 1),
 * `withPhotoRatio` a number 0..1 (default 0). Returns them with defaults filled in.
 * Throws RangeError naming the bad field.
 */
export function checkSeedOptions(options: SeedOptions): { users: number; withPhotoRatio: number } {
  const n = options.users ?? 1;
  const ratio = options.withPhotoRatio ?? 0;
  if (!Number.isInteger(n) || n < 1 || n > SEED_MAX_USERS) throw new RangeError(`seed.users must be an integer 1..${SEED_MAX_USERS}`);
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) throw new RangeError('seed.withPhotoRatio must be between 0 and 1');
  return { users: n, withPhotoRatio: ratio };
}

/**
 * Fills `state.extensions` with `users` User extensions: index 0 is the account owner and the
 * only admin; names, departments and emails are deterministic; `withPhotoRatio` of them (picked
 * by a fixed hash) share the generated portraits. Sets `state.adminJwt`. Ids come from
 * `state.nextId()`, so after `state.resetIds()` the same options give the same ids.
 * Throws RangeError for users outside 1..100,000 or a ratio outside 0..1.
 */
export async function seedCompany(state: EmulatorState, options: SeedOptions = {}): Promise<void> {
  const { users: n, withPhotoRatio: ratio } = checkSeedOptions(options);
  const photos = ratio > 0 ? await seedPhotoSet() : [];
  const fl = FIRST_NAMES.length;
  const ll = LAST_NAMES.length;
  for (let i = 0; i < n; i++) {
    const first = FIRST_NAMES[i % fl]!;
    // Walk last names with a stride coprime to the list length so pairs don't repeat early.
    const last = LAST_NAMES[(Math.floor(i / fl) * 7 + i) % ll]!;
    const round = Math.floor(i / (fl * ll));
    const local = `${first}.${last}${round > 0 ? round + 1 : ''}`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z0-9.]/g, '');
    const ext: EmulatorExtension = {
      id: state.nextId(),
      extensionNumber: String(101 + i),
      type: 'User',
      status: seededStatus(i, n),
      firstName: first,
      lastName: last,
      email: `${local}@${SEED_EMAIL_DOMAIN}`,
      department: DEPARTMENTS[i % DEPARTMENTS.length]!,
      admin: i === 0,
    };
    if (ext.status === 'Unassigned') ext.extensionNumber = '';
    if (photos.length > 0 && ext.status !== 'Unassigned' && unit(i, 0x5eed) < ratio) {
      ext.profileImage = photos[i % photos.length]!;
    }
    state.extensions.set(ext.id, ext);
  }
  const owner = state.extensions.values().next().value as EmulatorExtension;
  state.adminJwt = await signJwtCredential(state, owner.id);
}
