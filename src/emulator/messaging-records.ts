

/**
 * Records of Team Messaging and notifications: chats, posts with mentions and attachments,
 * guests, files, adaptive cards and subscriptions. Types only.
 */

export type ChatType = 'Direct' | 'Group' | 'Team' | 'Personal' | 'Everyone';

export interface EmulatorChat {
  id: string;
  type: ChatType;
  name?: string;
  description?: string;
  members: string[];
  creationTime: string;
  lastModifiedTime: string;
}

export interface EmulatorMention {
  id: string;
  type: 'Person' | 'Team' | 'File' | 'Link' | 'Event' | 'Task' | 'Note' | 'Card';
  name?: string;
}

export interface EmulatorAttachment {
  id: string;
  type: 'File' | 'Card' | 'Event' | 'Note' | 'Task';
  name?: string;
  contentUri?: string;
  contentType?: string;
  size?: number;
}

export interface EmulatorPost {
  id: string;
  groupId: string;
  type: 'TextMessage' | 'PersonJoined' | 'PersonsAdded';
  text: string;
  creatorId: string;
  mentions: EmulatorMention[];
  attachments: EmulatorAttachment[];
  creationTime: string;
  lastModifiedTime: string;
  /** Set when the post is an adaptive card's post. */
  cardId?: string;
}

/** A guest (non-RingCentral) Team Messaging person; ids look like `glip-3770114054` (docs/ringcentral-notes.md §2.4). */
export interface EmulatorGuest {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  creationTime: string;
}

export interface EmulatorFile {
  id: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  groupId?: string;
  creatorId: string;
}

export interface EmulatorCard {
  id: string;
  chatId: string;
  creatorId: string;
  /** The adaptive card JSON as posted. */
  card: Record<string, unknown>;
  creationTime: string;
  lastModifiedTime: string;
}

export interface EmulatorSubscription {
  id: string;
  eventFilters: string[];
  transportType: 'WebHook' | 'WebSocket';
  address?: string;
  verificationToken?: string;
  status: 'Active' | 'Suspended' | 'Blacklisted';
  creationTime: string;
  /** ms since epoch, emulator clock. */
  expiresAt: number;
  expiresIn: number;
  ownerExtensionId: string;
  clientId: string;
  /** Consecutive failed or slow deliveries. */
  failedDeliveries: number;
  blacklistedData?: { blacklistedAt: string; reason: string };
}
