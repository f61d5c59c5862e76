/**
 * RingCentral API models from @rc-ex/core's generated definitions. The package ships CommonJS
 * typings, so under NodeNext their default exports are reached through a namespace import.
 */
import type * as GetExtensionInfoResponseModule from '@rc-ex/core/definitions/GetExtensionInfoResponse';
import type * as GetExtensionListResponseModule from '@rc-ex/core/definitions/GetExtensionListResponse';
import type * as GetExtensionListInfoResponseModule from '@rc-ex/core/definitions/GetExtensionListInfoResponse';
import type * as TMPostInfoModule from '@rc-ex/core/definitions/TMPostInfo';
import type * as TMPersonInfoModule from '@rc-ex/core/definitions/TMPersonInfo';
import type * as TMChatInfoModule from '@rc-ex/core/definitions/TMChatInfo';
import type * as SubscriptionInfoModule from '@rc-ex/core/definitions/SubscriptionInfo';
import type * as TokenInfoModule from '@rc-ex/core/definitions/TokenInfo';

export type GetExtensionInfoResponse = GetExtensionInfoResponseModule.default;
export type GetExtensionListResponse = GetExtensionListResponseModule.default;
export type GetExtensionListInfoResponse = GetExtensionListInfoResponseModule.default;
export type TMPostInfo = TMPostInfoModule.default;
export type TMPersonInfo = TMPersonInfoModule.default;
export type TMChatInfo = TMChatInfoModule.default;
export type SubscriptionInfo = SubscriptionInfoModule.default;
export type TokenInfo = TokenInfoModule.default;

/** A post's `mentions[]` entry (Team Messaging). */
export interface Mention {
  id: string;
  /** Person, Team, File, Link, Event, Task, Note, Card */
  type: string;
  name?: string;
}

/** A post's `attachments[]` entry (Team Messaging). */
export interface Attachment {
  id?: string;
  type: string;
  name?: string;
  contentUri?: string;
  contentType?: string;
}
