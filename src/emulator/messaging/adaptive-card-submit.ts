import { createHmac, randomUUID } from 'node:crypto';
import type { EmulatorState } from '../emulator-state.ts';
import { invalidParameter } from './chat-store.ts';
import { ApiError } from '../api-error.ts';

/** How long the emulator waits for the app to answer a submission, ms. */
export const CARD_SUBMIT_TIMEOUT_MS = 10_000;

export interface CardSubmitInput {
  /** The person clicking `Action.Submit`; must be a member of the card's chat. */
  extensionId: string;
  /** The app's "Interactive Messages" outbound webhook URL, e.g. the bot's `/interactive`. */
  url: string;
  /** Input values and `Action.Submit` data, sent as a flat string map. */
  data?: Record<string, unknown>;
  /** The app's shared secret; when given, `X-Glip-Signature` is sent. */
  sharedSecret?: string;
  /** `prefixed` (default) sends `sha1=<hex>` as the docs describe; `bare` sends `<hex>` as the official samples compare. */
  signatureFormat?: 'prefixed' | 'bare';
}

export interface CardSubmitResult {
  /** What was POSTed (compact JSON, so re-serialising the parsed body gives the same bytes). */
  sent: Record<string, unknown>;
  signature?: string;
  /** The app's answer; undefined status when it could not be reached. */
  status?: number;
  body?: unknown;
  error?: string;
}

function conversationType(type: string): 'DM' | 'GROUP' | 'TEAM' {
  if (type === 'Direct' || type === 'Personal') return 'DM';
  if (type === 'Group') return 'GROUP';
  return 'TEAM';
}

/**
 * Plays a person clicking `Action.Submit` on an adaptive card: POSTs the interactive-message
 * payload `{uuid, timestamp, type:'button_submit', appId, user, conversation, post, card, bot, data}`
 * to the app's URL (docs/ringcentral-notes.md §6 "Payload": DOCS fields plus `bot{id}`, `user.extId`,
 * `card{id}` seen in real payloads), signed with HMAC-SHA1 of the body and the shared secret in
 * `X-Glip-Signature`. Returns what was sent and the app's answer (e.g. a dialog).
 * Throws ApiError 404 (unknown card), 403 (not a member), 400 (bad input).
 */
export async function submitAdaptiveCard(state: EmulatorState, cardId: string, input: CardSubmitInput): Promise<CardSubmitResult> {
  const card = state.cards.get(cardId);
  if (!card) throw new ApiError(404, 'CMN-102', 'Resource for parameter [cardId] is not found.', 'cardId');
  const chat = state.chats.get(card.chatId);
  const person = state.extensions.get(String(input.extensionId));
  if (!person) throw invalidParameter('extensionId');
  if (!chat || !chat.members.includes(person.id)) {
    throw new ApiError(403, 'CMN-401', 'Requestor has no permissions to do this action', 'extensionId');
  }
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalidParameter('url');
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.data ?? {})) data[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const sent: Record<string, unknown> = {
    uuid: randomUUID(),
    timestamp: state.isoNow(),
    type: 'button_submit',
    appId: state.app.clientId,
    user: {
      id: person.id,
      extId: person.id,
      firstName: person.firstName,
      lastName: person.lastName,
      accountId: state.accountId,
    },
    conversation: { id: chat.id, type: conversationType(chat.type), public: false, name: chat.name ?? '' },
    post: { id: card.id, creationTime: card.creationTime, lastModifiedTime: card.lastModifiedTime },
    card: { id: card.id },
    bot: { id: card.creatorId },
    data,
  };
  const raw = JSON.stringify(sent);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const result: CardSubmitResult = { sent };
  if (input.sharedSecret !== undefined) {
    const hex = createHmac('sha1', input.sharedSecret).update(raw).digest('hex');
    result.signature = input.signatureFormat === 'bare' ? hex : `sha1=${hex}`;
    headers['X-Glip-Signature'] = result.signature;
  }
  try {
    const res = await fetch(url, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(CARD_SUBMIT_TIMEOUT_MS) });
    result.status = res.status;
    const text = await res.text();
    try {
      result.body = text ? JSON.parse(text) : undefined;
    } catch {
      result.body = text;
    }
  } catch (err) {
    result.error = (err as Error).message;
  }
  return result;
}
