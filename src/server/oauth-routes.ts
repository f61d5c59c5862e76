/**
 * Bot install and a person's authorization coming back:
 * - `POST /oauth`: private bot install; RingCentral POSTs `access_token`, `creator_extension_id`,
 *   `creator_account_id`, `client_id` (JSON or form; docs/ringcentral-notes.md §4);
 * - `GET /oauth?code=…`: public bot install; the code is exchanged for the bot token;
 * - `GET /oauth/user?code=…&state=…`: a person approved (or denied) access; the pending request
 *   is queued in the inbox and finished by the dispatcher in the original chat.
 */
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { BotError, newReferenceId } from '../errors.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import type { AppDeps } from './app-deps.ts';

/** Mounts `POST /oauth`, `GET /oauth` and `GET /oauth/user` on `router`. */
export function mountOauthRoutes(router: Router, deps: AppDeps): void {
  const parse = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: deps.maxBodyBytes, formLimit: deps.maxBodyBytes });

  router.post('/oauth', parse, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const accessToken = typeof body.access_token === 'string' ? body.access_token : '';
    if (!accessToken) throw new BotError('BOT_NOT_INSTALLED', 'access_token is missing', { status: 400, expose: true });
    if (typeof body.client_id === 'string' && body.client_id && deps.clientId && body.client_id !== deps.clientId) {
      throw new BotError('BOT_NOT_INSTALLED', 'client_id does not match this bot', { status: 401, expose: false });
    }
    const { extensionId } = await installOrExplain(deps, async () => accessToken);
    deps.logger.info({ botExtensionId: extensionId, creatorExtensionId: body.creator_extension_id }, 'private bot installed');
    ctx.status = 200;
    ctx.body = '';
  });

  router.get('/oauth', async (ctx) => {
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!code) {
      ctx.status = 400;
      ctx.type = 'text/html';
      ctx.body = page('Bot install', 'This address is where RingCentral sends the bot install. Nothing to do here.');
      return;
    }
    ctx.type = 'text/html';
    try {
      const { extensionId } = await installOrExplain(deps, async () => (await deps.platform.exchangeBotInstallCode(code, `${deps.baseUrl()}/oauth`)).accessToken);
      deps.logger.info({ botExtensionId: extensionId }, 'public bot installed');
    } catch (e) {
      // A code that is junk, used or expired is the visitor's problem (4xx); RingCentral being
      // unreachable is ours (502). Either way a page, with a reference id that is in the log.
      if (e instanceof BotError && e.status === 429) {
        ctx.status = 429;
        ctx.body = page('Bot install busy', e.message);
        return;
      }
      const ref = newReferenceId();
      const refused = (e instanceof PlatformError && ['unauthorized', 'bad-request', 'forbidden', 'bot-removed'].includes(e.kind)) || (e instanceof BotError && e.status < 500);
      deps.logger.warn({ err: e, ref }, 'public bot install failed');
      ctx.status = refused ? 400 : 502;
      ctx.body = refused
        ? page('Bot not installed', `RingCentral did not accept this install. Start the install again from RingCentral. (ref ${ref})`)
        : page('Bot not installed', `RingCentral could not be reached to finish the install. Try again in a few minutes. (ref ${ref})`);
      return;
    }
    ctx.body = page('Bot installed', 'The avatar bot is installed. Say "help" to it in RingCentral.');
  });

  router.get('/oauth/user', async (ctx) => {
    const q = ctx.query;
    const state = typeof q.state === 'string' ? q.state : '';
    const code = typeof q.code === 'string' ? q.code : '';
    ctx.type = 'text/html';
    if (typeof q.error === 'string') {
      ctx.status = 200;
      ctx.body = page('Not signed in', 'You did not allow access, so nothing was changed. You can ask the bot again at any time.');
      return;
    }
    if (!state || !code) {
      ctx.status = 400;
      ctx.body = page('Sign-in link incomplete', 'This page needs the code and state RingCentral adds after sign-in. Ask the bot for a new link.');
      return;
    }
    try {
      const done = await deps.completeAuthorization({ state, code });
      deps.logger.info({ extensionId: done.extensionId }, 'person signed in');
      ctx.status = 200;
      ctx.body = page('Signed in', "Thanks, you're signed in. You can close this tab and go back to RingCentral; the bot is finishing your request.");
    } catch (e) {
      if (e instanceof BotError && e.code === 'OAUTH_CODE_REFUSED') {
        // The state is used up; the waiting request is not: completeAuthorization queued a fresh
        // link for the person's direct chat (the dispatcher posts it, with retries).
        const ref = newReferenceId();
        const refused = e.status < 500;
        deps.logger.warn({ err: e.cause, ref, refused }, 'sign-in code not exchanged; a fresh link is being sent');
        ctx.status = e.status;
        ctx.body = refused
          ? page('Sign-in not completed', `RingCentral did not accept this sign-in (the link may have been used already, or it expired), so nothing was changed. I'm sending you a fresh sign-in link in your direct chat with the bot. (ref ${ref})`)
          : page('Sign-in not completed', `RingCentral could not be reached to finish the sign-in, so nothing was changed. I'm sending you a fresh sign-in link in your direct chat with the bot; try it in a few minutes. (ref ${ref})`);
        return;
      }
      if (e instanceof BotError && e.expose) {
        deps.logger.info({ code: e.code }, 'sign-in refused');
        ctx.status = e.status;
        ctx.body = page('Sign-in refused', e.message);
        return;
      }
      const ref = newReferenceId();
      deps.logger.error({ err: e, ref }, 'sign-in could not be completed');
      ctx.status = e instanceof PlatformError && e.kind === 'bad-request' ? 400 : 502;
      ctx.body = page('Sign-in failed', `RingCentral did not accept the sign-in. Ask the bot for a new link and try again. (ref ${ref})`);
    }
  });
}

/** Installs now under way, per app (one at a time: installs are rare, token floods are not). */
const installsUnderWay = new WeakSet<AppDeps>();

/**
 * Gets the bot token (`token()`: as posted, or from a code exchange) and installs it, one install
 * at a time (a second one meanwhile: 429). RingCentral refusing the token: 401.
 */
async function installOrExplain(deps: AppDeps, token: () => Promise<string>): Promise<{ extensionId: string }> {
  if (installsUnderWay.has(deps)) {
    const busy = new BotError('BOT_NOT_INSTALLED', 'Another bot install is being checked; try again in a few seconds', { status: 429, expose: true });
    throw busy;
  }
  installsUnderWay.add(deps);
  try {
    return await deps.installBot(await token());
  } catch (e) {
    if (e instanceof PlatformError && (e.kind === 'unauthorized' || e.kind === 'bot-removed' || e.kind === 'forbidden')) {
      throw new BotError('BOT_NOT_INSTALLED', 'RingCentral did not accept this bot token', { status: 401, expose: false, cause: e });
    }
    throw e;
  } finally {
    installsUnderWay.delete(deps);
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}
