/**
 * Child process for platform-websocket-exit.test.ts: WebSocket delivery against an in-process
 * emulator, then (argv[2] = 'gateway-dies') the emulator stops first, then `platform.close()`.
 * Prints `closed` after close() and lets the event loop run dry: the parent checks the process
 * exits on its own (no timer or socket left behind).
 */
import { createEmulator } from '../../src/emulator/create-emulator.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import { recordingLogger } from '../unit/platform/platform-fakes.ts';

const scenario = process.argv[2] ?? 'normal';
const emu = await createEmulator({ port: 0, seed: { users: 2 } });
const receiver = await import('./platform-e2e-kit.ts').then((k) => k.startReceiver());
const { installBot } = await import('./platform-e2e-kit.ts');
const logger = recordingLogger();
const platform = createRingCentralPlatform({
  serverUrl: emu.url,
  clientId: emu.state.app.clientId,
  clientSecret: emu.state.app.clientSecret,
  vault: { load: async () => undefined, save: async () => undefined, remove: async () => undefined },
  logger,
});
await platform.installBotToken(await installBot(emu, receiver));
await receiver.close();
await platform.startEventDelivery({ verificationToken: 'x', onNotification: () => undefined });
console.log(`delivery ${platform.eventDeliveryStatus().state}`);
if (scenario === 'gateway-dies') {
  await emu.close();
  await new Promise((r) => setTimeout(r, 3000)); // the library tries to reconnect meanwhile
  console.log(`after gateway death ${platform.eventDeliveryStatus().state}`);
  await platform.close();
} else {
  await platform.close();
  await emu.close();
}
console.log('closed');
