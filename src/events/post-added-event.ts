/**
 * The typed view of a `PostAdded` notification body (Team Messaging posts, legacy
 * `/restapi/v1.0/glip/posts` and `/team-messaging/v1/posts` alike; samples
 * tm-v1-post-added.json and legacy-glip-post-added-mention-bot.json). Wire names are kept
 * where they are RingCentral's (`groupId` becomes our `chatId`).
 */
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';
import type { Attachment, Mention } from '../platform/ringcentral-types.ts';
import { isRecord } from './parse-notification.ts';

export type { Attachment, Mention };

export interface PostAddedEvent {
  uuid: string;
  /** The bot's extension id as the subscription owner. */
  ownerId?: string;
  postId: string;
  /** The post type (`TextMessage`, `PersonJoined`, `PersonsAdded`, …); undefined when absent. */
  postType?: string;
  chatId: string;
  creatorId: string;
  text: string;
  mentions: Mention[];
  attachments: Attachment[];
}

/** The body's `eventType` (`PostAdded`, `GroupJoined`, ...) or '' when absent. */
export function eventTypeOf(envelope: NotificationEnvelope): string {
  const t = envelope.body.eventType;
  return typeof t === 'string' ? t : '';
}

/** A PostAddedEvent, or undefined when the notification is something else or lacks ids. */
export function toPostAddedEvent(envelope: NotificationEnvelope): PostAddedEvent | undefined {
  const b = envelope.body;
  if (b.eventType !== 'PostAdded') return undefined;
  const chatId = idOf(b.groupId ?? b.chatId);
  const creatorId = idOf(b.creatorId);
  if (!chatId || !creatorId) return undefined;
  const mentions = Array.isArray(b.mentions)
    ? b.mentions.filter(isRecord).flatMap((m): Mention[] => {
        const id = idOf(m.id);
        return id ? [{ id, type: typeof m.type === 'string' ? m.type : 'Person', ...(typeof m.name === 'string' ? { name: m.name } : {}) }] : [];
      })
    : [];
  const attachments = Array.isArray(b.attachments)
    ? b.attachments.filter(isRecord).map(
        (a): Attachment => ({
          type: typeof a.type === 'string' ? a.type : 'File',
          ...(idOf(a.id) ? { id: idOf(a.id)! } : {}),
          ...(typeof a.name === 'string' ? { name: a.name } : {}),
          ...(typeof a.contentUri === 'string' ? { contentUri: a.contentUri } : {}),
          ...(typeof a.contentType === 'string' ? { contentType: a.contentType } : {}),
        }),
      )
    : [];
  return {
    uuid: envelope.uuid,
    ...(envelope.ownerId ? { ownerId: envelope.ownerId } : {}),
    postId: idOf(b.id) ?? '',
    ...(typeof b.type === 'string' ? { postType: b.type } : {}),
    chatId,
    creatorId,
    text: typeof b.text === 'string' ? b.text : '',
    mentions,
    attachments,
  };
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
