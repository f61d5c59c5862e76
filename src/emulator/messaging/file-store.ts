import { createHmac, randomBytes } from 'node:crypto';
import type { EmulatorFile } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';

/**
 * Team Messaging files: stored uploads and their signed content links on the emulated media
 * host (`/media/team-messaging/files/...`).
 */

/** Path prefix of the emulated media host serving uploaded files (RingCentral: media.ringcentral.com). */
export const FILES_MEDIA_PREFIX = '/media/team-messaging/files';
const fileSecrets = new WeakMap<EmulatorState, Buffer>();

function fileSecret(state: EmulatorState): Buffer {
  let secret = fileSecrets.get(state);
  if (!secret) {
    secret = randomBytes(32);
    fileSecrets.set(state, secret);
  }
  return secret;
}

/** HMAC signature that makes a file's content URI a pre-signed link (hex, 32 chars). */
export function fileSignature(state: EmulatorState, fileId: string): string {
  return createHmac('sha256', fileSecret(state)).update(fileId).digest('hex').slice(0, 32);
}

/**
 * The pre-signed URL serving a file's bytes: `{baseUrl}/media/team-messaging/files/{id}/{name}?Signature=…`.
 * Like RingCentral's S3-style links (sample rest-get-post-with-file-attachment.json) it needs no
 * Authorization header; the signature is what grants access.
 */
export function fileContentUri(state: EmulatorState, file: EmulatorFile): string {
  return `${state.baseUrl}${FILES_MEDIA_PREFIX}/${file.id}/${encodeURIComponent(file.name)}?Signature=${fileSignature(state, file.id)}`;
}

/** Stores uploaded bytes as a file; returns it. `name` falls back to `file-{id}`. */
export function storeFile(
  state: EmulatorState,
  input: { name?: string; contentType?: string; bytes: Buffer; groupId?: string; creatorId: string },
): EmulatorFile {
  const id = state.nextId();
  const file: EmulatorFile = {
    id,
    name: input.name && input.name.trim() !== '' ? input.name : `file-${id}`,
    contentType: input.contentType || 'application/octet-stream',
    bytes: input.bytes,
    creatorId: input.creatorId,
  };
  if (input.groupId !== undefined) file.groupId = input.groupId;
  state.files.set(id, file);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Adaptive cards
