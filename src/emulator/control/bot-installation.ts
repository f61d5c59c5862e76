import type { EmulatorExtension } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { appScopes, issueBotToken } from '../platform/oauth-tokens.ts';

/**
 * Installing and removing the bot app the way an admin does in RingCentral: the bot extension,
 * its token, and the `botInstalled`/`botRemoved` events.
 */

/** Creates the bot extension if there is none; returns it. */
export function ensureBotExtension(state: EmulatorState, name = state.app.name): EmulatorExtension {
  const existing = state.botExtensionId ? state.extensions.get(state.botExtensionId) : undefined;
  if (existing) return existing;
  const [firstName, ...rest] = name.split(' ');
  const bot: EmulatorExtension = {
    id: state.nextId(),
    extensionNumber: '',
    type: 'Bot',
    status: 'Enabled',
    firstName: firstName ?? 'Bot',
    lastName: rest.join(' '),
    email: `bot-${state.app.clientId}@bots.example.com`.toLowerCase(),
    admin: false,
  };
  state.extensions.set(bot.id, bot);
  state.botExtensionId = bot.id;
  return bot;
}

export interface BotInstallResult {
  bot: { extensionId: string };
  redirectUri: string;
  /** What was POSTed to the redirect URI (includes the token). */
  sent: Record<string, string>;
  encoding: 'form' | 'json';
  /** HTTP status the bot answered with, or undefined when it could not be reached. */
  status?: number;
  error?: string;
}

/**
 * Private-bot install (docs/ringcentral-notes.md §4): creates the Bot extension if needed, issues a
 * permanent bot token and POSTs `{access_token, token_type, expires_in, scope, owner_id,
 * endpoint_id, creator_extension_id, creator_account_id, client_id}` to `redirectUri`,
 * form-encoded by default (the real content type is undocumented; `encoding:'json'` sends JSON).
 * Emits `'botInstalled'` `{extensionId, creatorExtensionId}` on `state.bus`. Times out after 10 s.
 */
export async function installBot(
  state: EmulatorState,
  o: { redirectUri: string; creatorExtensionId?: string; encoding?: 'form' | 'json'; name?: string },
): Promise<BotInstallResult> {
  const bot = ensureBotExtension(state, o.name);
  const creator = o.creatorExtensionId ?? firstAdminId(state) ?? bot.id;
  const { response } = issueBotToken(state, bot.id, appScopes(state));
  const sent: Record<string, string> = {
    access_token: response.access_token,
    token_type: response.token_type,
    expires_in: String(response.expires_in),
    scope: response.scope,
    owner_id: response.owner_id,
    endpoint_id: response.endpoint_id,
    creator_extension_id: creator,
    creator_account_id: state.accountId,
    client_id: state.app.clientId,
  };
  const encoding = o.encoding ?? 'form';
  state.bus.emit('botInstalled', { extensionId: bot.id, creatorExtensionId: creator });
  const result: BotInstallResult = { bot: { extensionId: bot.id }, redirectUri: o.redirectUri, sent, encoding };
  try {
    const res = await fetch(o.redirectUri, {
      method: 'POST',
      headers: { 'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: encoding === 'json' ? JSON.stringify(sent) : new URLSearchParams(sent).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    result.status = res.status;
  } catch (e) {
    result.error = (e as Error).message;
  }
  return result;
}

/**
 * Removes the installed bot, as deleting the app's bot in RingCentral does: publishes the
 * Extension Info event `{extensionId, eventType:'Delete'}` (docs/ringcentral-notes.md §4, BOTJS reads it
 * as "bot removed"), deletes the Bot extension — its tokens then get 401 OAU-232 "Extension not
 * found" — and emits `'botRemoved'` `{extensionId}` on `state.bus`. Returns the removed id, or
 * undefined when no bot is installed.
 */
export function removeBot(state: EmulatorState): string | undefined {
  const id = state.botExtensionId;
  if (!id || !state.extensions.has(id)) return undefined;
  state.publish({
    event: `/restapi/v1.0/account/${state.accountId}/extension/${id}`,
    body: { extensionId: id, eventType: 'Delete' },
  });
  state.extensions.delete(id);
  state.botExtensionId = undefined;
  state.bus.emit('botRemoved', { extensionId: id });
  return id;
}

function firstAdminId(state: EmulatorState): string | undefined {
  for (const e of state.extensions.values()) if (e.admin && e.type === 'User') return e.id;
  return undefined;
}
