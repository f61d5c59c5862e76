/**
 * Demo mode when a port is taken: the error names the setting and says what to do, instead
 * of a bare EADDRINUSE stack. A real listener holds the port.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { startDemo } from '../../../src/demo/start-demo.ts';
import { createRingCentralPlatform } from '../../../src/platform/create-ringcentral-platform.ts';
import { processAvatar } from '../../../src/avatars/index.ts';
import { captureLogger } from '../../helpers/capture-logger.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

let holder: net.Server;
let taken: number;
const db = tempDatabase();

beforeAll(async () => {
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  taken = (holder.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  db.cleanup();
});

function demoWith(env: Record<string, string>) {
  const config = loadConfig({ HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...env });
  return startDemo({ config, logger: captureLogger('silent').logger, createPlatform: createRingCentralPlatform, processAvatar, sharedSecret: 'from-config' });
}

describe('demo mode with a port in use', () => {
  it('EMULATOR_PORT taken: says which setting and how to pick another', async () => {
    await expect(demoWith({ PORT: '0', EMULATOR_PORT: String(taken) })).rejects.toThrow(
      `EMULATOR_PORT ${taken} is already in use: stop what is listening there, or pick a free port (EMULATOR_PORT=4001 npm start)`,
    );
  });

  it('PORT taken: says which setting', async () => {
    await expect(demoWith({ PORT: String(taken), EMULATOR_PORT: '0' })).rejects.toThrow(`PORT ${taken} is already in use`);
  });
});
