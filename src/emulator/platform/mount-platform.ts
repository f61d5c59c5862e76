import type Koa from 'koa';
import type { EmulatorState } from '../emulator-state.ts';
import type { CloseHook } from '../create-emulator.ts';
import { controlRouter } from '../control/platform-control-routes.ts';
import { resetState } from '../control/account-setup.ts';
import { extensionsRouter } from './extensions-routes.ts';
import { profileImageRouter } from './profile-image-routes.ts';
import { oauthRouter } from './oauth-routes.ts';
import { authenticate, injectFaults, rateLimit, recordRequests } from './platform-middleware.ts';
import type { SeedOptions } from './seed-company.ts';
import { apiErrors } from '../api-error.ts';

export interface PlatformApiOptions {
  seed?: SeedOptions;
  onClose: (hook: CloseHook) => void;
}

/**
 * Mounts, in this order: a readiness gate (the initial seed), request recording, the error
 * middleware (`apiErrors()`), fault injection, authentication (sets `ctx.state.caller`), rate limits, then OAuth, extensions,
 * profile images and the platform `/_emulator` control routes. Routes mounted after this
 * (the messaging part) run behind the same chain. The initial seed is `options.seed` or just
 * the account owner; requests wait until it is done. Resolves when the seed is done (rejects
 * when the seed options are invalid).
 */
export function mountPlatformApi(app: Koa, state: EmulatorState, options: PlatformApiOptions): Promise<void> {
  const ready = resetState(state, options.seed ?? {});
  ready.catch(() => undefined);
  app.use(async (_ctx, next) => {
    await ready;
    return next();
  });
  app.use(recordRequests(state));
  app.use(apiErrors());
  app.use(injectFaults(state));
  app.use(authenticate(state));
  app.use(rateLimit(state));
  for (const router of [oauthRouter(state), extensionsRouter(state), profileImageRouter(state), controlRouter(state)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  options.onClose(() => undefined);
  return ready;
}
