import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { Router } from '@koa/router';
import busboy from 'busboy';
import type { EmulatorAttachment } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { FILES_MEDIA_PREFIX, fileContentUri, fileSignature, storeFile } from './file-store.ts';
import { createPost, fileAttachment } from './post-store.ts';
import { getChatAsMember, invalidParameter } from './chat-store.ts';
import { callerOf, queryValue } from '../request-helpers.ts';
import { ApiError } from '../api-error.ts';

/** Largest upload body, bytes (SPEC createGlipFileNew `x-request-max-body-size: 30m`). */
export const FILES_MAX_BODY_BYTES = 30 * 1024 * 1024;

interface UploadedPart {
  name?: string;
  contentType: string;
  bytes: Buffer;
}

function tooLarge(): ApiError {
  return new ApiError(413, 'CMN-101', 'Request entity too large', 'body');
}

async function readMultipart(ctx: Context): Promise<UploadedPart[]> {
  return await new Promise<UploadedPart[]>((resolve, reject) => {
    const parts: UploadedPart[] = [];
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { fileSize: FILES_MAX_BODY_BYTES } });
    } catch {
      reject(new ApiError(415, 'CMN-101', 'Media type is not supported', 'body'));
      return;
    }
    bb.on('file', (_field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(tooLarge()));
      // A body cut short inside a part destroys the part's stream with an error; unhandled, it
      // would be an uncaught exception that ends the process.
      stream.on('error', () => reject(invalidParameter('body')));
      stream.on('end', () => {
        const part: UploadedPart = { contentType: info.mimeType || 'application/octet-stream', bytes: Buffer.concat(chunks) };
        if (info.filename) part.name = info.filename;
        parts.push(part);
      });
    });
    bb.on('error', () => reject(invalidParameter('body')));
    bb.on('close', () => resolve(parts));
    ctx.req.pipe(bb);
  });
}

async function readUpload(ctx: Context): Promise<UploadedPart[]> {
  const type = ctx.get('content-type');
  if (/^multipart\/form-data/i.test(type)) return await readMultipart(ctx);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > FILES_MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  return [{ contentType: type.split(';')[0]?.trim() || 'application/octet-stream', bytes }];
}

/**
 * File routes: `POST /team-messaging/v1/files?groupId=&name=` and its legacy twin
 * `POST /restapi/v1.0/glip/files` (docs/ringcentral-notes.md §2.4 "File upload"): a raw body (its
 * Content-Type kept) or multipart/form-data with one or more file parts (SPEC names the part
 * `body`; any file part is accepted). Answers 200 `[{id, contentUri, name}]`. With `groupId`,
 * the caller must be a member (403/404) and a post carrying the files is added to that chat, as
 * RingCentral does. Empty upload → 400 CMN-101; over 30 MB → 413.
 *
 * Media route: `GET /media/team-messaging/files/{id}/{name}?Signature=…` serves the bytes with
 * their content type. It needs no Authorization header (like RingCentral's pre-signed file links);
 * a missing or wrong signature → 403 CMN-401, an unknown file → 404 CMN-102.
 */
export function filesRouter(state: EmulatorState): Router {
  const router = new Router();

  for (const path of ['/team-messaging/v1/files', '/restapi/v1.0/glip/files']) {
    router.post(path, async (ctx) => {
      const me = callerOf(ctx, state).extensionId;
      const groupId = queryValue(ctx, 'groupId');
      if (groupId !== undefined) getChatAsMember(state, groupId, me);
      const parts = await readUpload(ctx);
      if (parts.length === 0 || parts.every((p) => p.bytes.length === 0)) throw invalidParameter('body');
      const nameParam = queryValue(ctx, 'name')?.replace(/^"(.*)"$/, '$1');
      const files = parts.map((p, i) =>
        storeFile(state, {
          name: (i === 0 ? nameParam : undefined) ?? p.name ?? nameParam,
          contentType: p.contentType,
          bytes: p.bytes,
          creatorId: me,
          ...(groupId !== undefined ? { groupId } : {}),
        }),
      );
      if (groupId !== undefined) {
        const resolvedAttachments: EmulatorAttachment[] = files.map((f) => fileAttachment(state, f));
        createPost(state, { chatId: groupId, creatorId: me, resolvedAttachments });
      }
      ctx.status = 200;
      ctx.body = files.map((f) => ({ id: f.id, contentUri: fileContentUri(state, f), name: f.name }));
    });
  }

  router.get(`${FILES_MEDIA_PREFIX}/:fileId/:name`, (ctx) => {
    const file = state.files.get(ctx.params.fileId as string);
    if (!file) {
      throw new ApiError(404, 'CMN-102', 'Resource for parameter [fileId] is not found.', 'fileId');
    }
    const given = Buffer.from(queryValue(ctx, 'Signature') ?? '');
    const expected = Buffer.from(fileSignature(state, file.id));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(403, 'CMN-401', 'The signature of this file link is missing or wrong');
    }
    ctx.set('Content-Type', file.contentType);
    const asciiName = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    ctx.set('Content-Disposition', `inline; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    // Files share the console's origin here (RingCentral serves them from a separate media host):
    // an uploaded HTML or SVG file opened from the console must not run script on that origin.
    ctx.set('Content-Security-Policy', 'sandbox');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = file.bytes;
  });
  return router;
}
