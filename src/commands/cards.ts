/**
 * Adaptive Cards (version 1.3, docs/ringcentral-notes.md §6) the bot posts.
 * Only `Action.Submit` reaches our `POST /interactive`; `Action.OpenUrl` opens a browser.
 */
import type { AdaptiveCard } from '../platform/ringcentral-client.ts';

const base = { type: 'AdaptiveCard' as const, version: '1.3', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' };

/**
 * A person's photo with name and extension number; `imageUrl` is a RingCentral content URI.
 * With `extensionId` the card has a "Show again" button (give it only when buttons reach the bot).
 */
export function buildPersonPhotoCard(p: {
  title: string;
  name: string;
  extensionNumber?: string;
  imageUrl?: string;
  note?: string;
  extensionId?: string;
}): AdaptiveCard {
  const body: Array<Record<string, unknown>> = [{ type: 'TextBlock', text: p.title, weight: 'Bolder', size: 'Medium', wrap: true }];
  if (p.imageUrl) body.push({ type: 'Image', url: p.imageUrl, size: 'Large', altText: `Profile photo of ${p.name}` });
  const facts = [{ title: 'Name', value: p.name }];
  if (p.extensionNumber) facts.push({ title: 'Extension', value: p.extensionNumber });
  body.push({ type: 'FactSet', facts });
  if (p.note) body.push({ type: 'TextBlock', text: p.note, wrap: true, isSubtle: true });
  return {
    ...base,
    fallbackText: `${p.title}: ${p.name}${p.extensionNumber ? ` (ext. ${p.extensionNumber})` : ''}`,
    body,
    ...(p.extensionId ? { actions: [{ type: 'Action.Submit', title: 'Show again', data: { action: 'show', extensionId: p.extensionId } }] } : {}),
  };
}

/** The sign-in prompt sent in a Direct chat: why, and a button that opens the authorize URL. */
export function buildSignInCard(p: { authorizeUrl: string; reason: string; minutesValid: number }): AdaptiveCard {
  return {
    ...base,
    fallbackText: `Sign in to RingCentral so I can act for you: ${p.authorizeUrl}`,
    body: [
      { type: 'TextBlock', text: 'Sign in to RingCentral', weight: 'Bolder', size: 'Medium' },
      { type: 'TextBlock', text: p.reason, wrap: true },
      { type: 'TextBlock', text: `The link works once, for ${p.minutesValid} minutes, and only for you.`, wrap: true, isSubtle: true },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Sign in', url: p.authorizeUrl }],
  };
}
