/**
 * Shared pieces of the platform unit tests: the fakes (platform-fakes.ts) and nock set-up (net
 * connect only to 127.0.0.1).
 */
import nock from 'nock';
export { memoryVault, recordingLogger, type LogLine } from './platform-fakes.ts';

export const SERVER = 'https://platform.ringcentral.com';
export const MEDIA = 'https://media.ringcentral.com';

/** nock with real network off except loopback. Call in `beforeAll`. */
export function lockDownNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

/** Standard bot-extension answer for `installBotToken`. */
export function mockBotInstall(botId = '9001'): nock.Scope {
  return nock(SERVER)
    .get('/restapi/v1.0/account/~/extension/~')
    .matchHeader('authorization', /^bearer BOT-TOKEN$/i)
    .reply(200, { id: Number(botId), type: 'Bot', name: 'Avatar Bot' });
}
