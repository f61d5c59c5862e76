import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import type { CloseHook } from '../../../src/emulator/create-emulator.ts';
import { EmulatorState } from '../../../src/emulator/emulator-state.ts';
import { mountMessagingApi } from '../../../src/emulator/messaging/mount-messaging.ts';
import { mountPlatformApi } from '../../../src/emulator/platform/mount-platform.ts';
import { isApiPath } from '../../../src/emulator/api-error.ts';
import { usagePlanGroupOf } from '../../../src/emulator/platform/usage-plan-groups.ts';

interface RouterLike {
  stack: { path: string; methods: string[] }[];
}

describe('usage plan table covers every API route the emulator serves', () => {
  it('each method + path registered by the platform and messaging routers has a group', async () => {
    const app = new Koa();
    const state = new EmulatorState();
    const hooks: CloseHook[] = [];
    await mountPlatformApi(app, state, { onClose: (h) => hooks.push(h) });
    mountMessagingApi(app, state, { onClose: (h) => hooks.push(h) });
    try {
      const routes: string[] = [];
      for (const mw of app.middleware as unknown as { router?: RouterLike }[]) {
        for (const layer of mw.router?.stack ?? []) {
          // Fill path parameters with a sample value: ~ for the account, 123 for everything else.
          const concrete = layer.path.replace(/:accountId/g, '~').replace(/:[A-Za-z]+/g, '123');
          if (!isApiPath(concrete)) continue;
          for (const m of layer.methods.filter((x) => x !== 'HEAD')) routes.push(`${m} ${concrete}`);
        }
      }
      expect(routes.length).toBeGreaterThan(40);
      const missing = routes.filter((r) => {
        const [method, path] = r.split(' ') as [string, string];
        return usagePlanGroupOf(method, path) === undefined;
      });
      expect(missing).toEqual([]);
    } finally {
      for (const h of hooks.reverse()) await h();
    }
  });
});
