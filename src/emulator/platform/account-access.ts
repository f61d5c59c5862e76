import type { Context } from 'koa';
import type { Caller, EmulatorState } from '../emulator-state.ts';
import type { EmulatorExtension } from '../account-records.ts';
import { ApiError } from '../api-error.ts';

/**
 * Checks shared by the account routes: the caller, the `{accountId}` and `{extensionId}` path
 * parameters, and the app scopes a route needs. Each throws ApiError when the check fails.
 */

/** The authenticated caller (`ctx.state.caller`, set by the authentication middleware). */
export function caller(ctx: Context): Caller {
  return ctx.state.caller as Caller;
}

/** Resolves `{accountId}` (`~` or the emulated account id); returns true, else throws ApiError 404 CMN-102. */
export function checkAccount(state: EmulatorState, ctx: Context, accountId: string): boolean {
  if (accountId === '~' || accountId === state.accountId) return true;
  throw new ApiError(404, 'CMN-102', 'Resource for parameter [accountId] is not found', 'accountId');
}

/** Resolves `{extensionId}` (`~` = the caller); throws ApiError 404 CMN-102 when unknown. */
export function findExtension(state: EmulatorState, ctx: Context, extensionId: string): EmulatorExtension | undefined {
  const id = extensionId === '~' ? caller(ctx).extensionId : extensionId;
  const ext = state.extensions.get(id);
  if (!ext) throw new ApiError(404, 'CMN-102', 'Resource for parameter [extensionId] is not found', 'extensionId');
  return ext;
}

/** True when the caller's token carries `scope`; else throws ApiError 403 CMN-401. */
export function requireScope(ctx: Context, scope: string): boolean {
  if (caller(ctx).token.scopes.includes(scope)) return true;
  throw new ApiError(403, 'CMN-401', `In order to call this API endpoint, application needs to have [${scope}] permission`);
}
