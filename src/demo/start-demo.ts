/**
 * Demo mode: with no RingCentral settings, `npm start` runs the embedded emulator, seeds a small
 * company (people with and without photos, one admin, an "Admins" group with the bot), starts the
 * bot against it with WebHook delivery to our own loopback address, installs the bot the way
 * RingCentral installs a private bot (a POST to our `/oauth`), and prints a guide.
 *
 * Delivery choice: the emulator and the bot share the machine, so WebHook to
 * `http://127.0.0.1:<PORT>/webhook` is used (it exercises the same path as production);
 * WebSocket is what a real deployment without PUBLIC_URL uses.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startBot, type PlatformFactory, type RunningBot } from '../app/start-bot.ts';
import { createEmulator, FILES_MEDIA_PREFIX, type Emulator } from '../emulator/create-emulator.ts';
import type { ProcessAvatar } from '../commands/command-context.ts';
import type { Command } from '../commands/command-registry.ts';
import { registerInteractiveMessages } from '../emulator/console/interactive-messages.ts';
import { closeProfileImageWorkers, runProfileImagesOffThread } from '../emulator/platform/profile-image-pool.ts';
import { createEmulatorControl, type EmulatorStateSummary, type EmulatorUser } from './emulator-control.ts';

export interface DemoSetup {
  admin: EmulatorUser;
  withPhoto: EmulatorUser;
  withoutPhoto: EmulatorUser;
  botId: string;
  adminsChatId: string;
  /** Direct chats with the bot, by person id. */
  directChats: Record<string, string>;
}

export interface RunningDemo {
  emulator: Emulator;
  bot: RunningBot;
  setup: DemoSetup;
  guide: string;
  close(): Promise<void>;
}

/**
 * Starts emulator + bot and seeds the demo. Throws when NODE_ENV=production (config refuses it
 * too), when a port is taken, or when the install fails.
 */
export async function startDemo(p: {
  config: Config;
  logger: Logger;
  createPlatform: PlatformFactory;
  processAvatar: ProcessAvatar;
  extraCommands?: Command[];
  /** 'webhook' (default): WebHook to our loopback address; 'websocket': WebSocket delivery. */
  delivery?: 'webhook' | 'websocket';
  /**
   * 'generate' (default): without RINGCENTRAL_SHARED_SECRET a random one is made so card buttons
   * work; 'from-config': only the configured one (tests that want the no-buttons behaviour).
   */
  sharedSecret?: 'generate' | 'from-config';
  /** Called with the web console's URL as soon as the emulator listens (before the bot starts). */
  onConsoleReady?: (consoleUrl: string) => void;
}): Promise<RunningDemo> {
  const { logger } = p;
  if (p.config.nodeEnv === 'production') throw new Error('Demo mode is refused when NODE_ENV=production');
  let config = p.config;
  if (config.databaseUrlIsDefault) {
    // The emulated world is new on every start, so the demo's own database starts empty too.
    const file = './data/demo.sqlite';
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    config = Object.freeze({ ...config, databaseUrl: `file:${file}` });
  }
  // Card buttons need a shared secret; the emulator signs submissions with the one we pass it.
  const sharedSecret = config.sharedSecret ?? (p.sharedSecret === 'from-config' ? undefined : `demo-${crypto.randomBytes(12).toString('base64url')}`);
  if (sharedSecret) config = Object.freeze({ ...config, sharedSecret });

  const emulator = await createEmulator({ port: config.emulatorPort }).catch((e: unknown) => {
    throw portInUse(e, 'EMULATOR_PORT', config.emulatorPort) ?? e;
  });
  // The emulator shares this process with the bot: its image work goes to a worker thread.
  runProfileImagesOffThread(emulator.state);
  p.onConsoleReady?.(`${emulator.url}/`);
  const control = createEmulatorControl(emulator.url);
  let bot: RunningBot | undefined;
  try {
    const seeded = await control.reset({ users: 6, withPhotoRatio: 0.5 });
    const admin = seeded.users.find((u) => u.admin) ?? seeded.users[0]!;
    const others = seeded.users.filter((u) => u.id !== admin.id);
    const withPhoto = others.find((u) => u.hasPhoto) ?? admin;
    const withoutPhoto = others.find((u) => !u.hasPhoto) ?? others[0] ?? admin;

    bot = await startBot({
      config,
      logger,
      createPlatform: p.createPlatform,
      processAvatar: p.processAvatar,
      ...(p.extraCommands ? { extraCommands: p.extraCommands } : {}),
      app: { serverUrl: emulator.url, clientId: seeded.app.clientId, clientSecret: seeded.app.clientSecret },
      ...(p.delivery === 'websocket' ? {} : { webhookBase: 'bound' as const }),
      extraAttachmentFilePaths: [`${FILES_MEDIA_PREFIX}/`],
    }).catch((e: unknown) => {
      throw portInUse(e, 'PORT', config.port) ?? e;
    });
    // What a developer does once in the Developer Console: register both redirect URIs of the app.
    registerRedirectUris(emulator, [`${bot.url}/oauth`, `${bot.url}/oauth/user`]);
    registerInteractiveMessages(emulator.state, { url: `${bot.url}/interactive`, ...(sharedSecret ? { sharedSecret } : {}) });
    const install = await control.installBot({ redirectUri: `${bot.url}/oauth` });
    if (install.status !== 200) throw new Error(`bot install failed: our /oauth answered ${install.status ?? install.error}`);
    const botId = install.bot.extensionId;
    await waitForActiveDelivery(bot, 15_000);

    const adminsChat = await control.addChat({ type: 'Group', name: 'Admins', members: [admin.id, withPhoto.id, botId] });
    const directChats: Record<string, string> = {};
    for (const u of [admin, withPhoto, withoutPhoto]) {
      if (directChats[u.id]) continue;
      directChats[u.id] = (await control.addChat({ type: 'Direct', members: [u.id, botId] })).id;
    }
    const setup: DemoSetup = { admin, withPhoto, withoutPhoto, botId, adminsChatId: adminsChat.id, directChats };
    const guide = demoGuide({ emulatorUrl: emulator.url, botUrl: bot.url, setup, state: await control.state(), ...(sharedSecret ? { sharedSecret } : {}) });
    const running = bot;
    return {
      emulator,
      bot: running,
      setup,
      guide,
      async close() {
        await running.close();
        await emulator.close();
        await closeProfileImageWorkers();
      },
    };
  } catch (e) {
    await bot?.close().catch(() => undefined);
    await emulator.close().catch(() => undefined);
    await closeProfileImageWorkers().catch(() => undefined);
    throw e;
  }
}

/**
 * For a listen error EADDRINUSE: an Error that names the setting and says what to do, e.g.
 * "EMULATOR_PORT 3001 is already in use: stop what is listening there, or pick a free port
 * (EMULATOR_PORT=4001 npm start)". Anything else: undefined (the caller rethrows it as is).
 */
export function portInUse(error: unknown, setting: 'PORT' | 'EMULATOR_PORT', port: number): Error | undefined {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return undefined;
  const example = setting === 'PORT' ? 'PORT=4000 EMULATOR_PORT=4001' : 'EMULATOR_PORT=4001';
  return new Error(`${setting} ${port} is already in use: stop what is listening there, or pick a free port (${example} npm start)`, { cause: error });
}

/** Adds redirect URIs to the emulated app registration (the emulator runs in this process). */
export function registerRedirectUris(emulator: Emulator, uris: string[]): void {
  for (const uri of uris) if (!emulator.state.app.redirectUris.includes(uri)) emulator.state.app.redirectUris.push(uri);
}

async function waitForActiveDelivery(bot: RunningBot, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (bot.platform.eventDeliveryStatus().state === 'active') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`event delivery did not become active within ${timeoutMs} ms: ${JSON.stringify(bot.platform.eventDeliveryStatus())}`);
}

/** The printed guide: who is who, and curl lines to play the people. Ends with DEMO_READY_MARKER. */
export function demoGuide(p: { emulatorUrl: string; botUrl: string; setup: DemoSetup; state: EmulatorStateSummary; sharedSecret?: string }): string {
  const { setup, emulatorUrl: E } = p;
  const dm = setup.directChats[setup.withoutPhoto.id]!;
  const person = (u: EmulatorUser) => `${u.name} (extension id ${u.id}${u.admin ? ', admin' : ''}${u.hasPhoto ? ', has a photo' : ', no photo'})`;
  const postLine = (chatId: string, creatorId: string, text: string) =>
    `curl -s -X POST ${E}/_emulator/chats/${chatId}/posts -H 'content-type: application/json' -d '${JSON.stringify({ creatorId, text })}'`;
  const lines = [
    '',
    `Chat with the bot in your browser: ${E}/`,
    '',
    '=== Avatar bot demo ===',
    `Bot:       ${p.botUrl}   (health: ${p.botUrl}/health)`,
    `Emulator:  ${E}   (a local RingCentral; state: ${E}/_emulator/state)`,
    `Bot extension id: ${setup.botId}`,
    'Note: demo mode keeps the token encryption key in the same database as the tokens it protects; set TOKEN_ENCRYPTION_KEY for anything real.',
    '',
    'People:',
    ...p.state.users.map((u) => `  - ${person(u)}`),
    '',
    'Chats with the bot:',
    `  - "Admins" group ${setup.adminsChatId}: ${setup.admin.name}, ${setup.withPhoto.name} and the bot (mention the bot here)`,
    ...Object.entries(setup.directChats).map(([uid, cid]) => `  - direct chat ${cid} with ${p.state.users.find((u) => u.id === uid)?.name ?? uid}`),
    '',
    `0) Paste this once; then "posts <chat id>" prints a chat as text (the raw JSON: curl -s ${E}/_emulator/chats/<chat id>/posts):`,
    `   ${postsFunction(E, p.state.users, setup.botId)}`,
    '',
    `1) Say help as ${setup.withoutPhoto.name} in their direct chat, then read the replies:`,
    `   ${postLine(dm, setup.withoutPhoto.id, 'help')}`,
    `   posts ${dm}`,
    '',
    `2) Show someone's photo, in the Admins group (mention the bot first; mentions are ![:Person](id)):`,
    `   ${postLine(setup.adminsChatId, setup.admin.id, `![:Person](${setup.botId}) show ![:Person](${setup.withPhoto.id})`)}`,
    `   posts ${setup.adminsChatId}`,
    '',
    `3) Set a photo: post "set my avatar" with a photo attached (photo.jpg: any JPEG, PNG, GIF, WebP or HEIC up to 25 MB;`,
    `   the body is piped in because a photo is too long for a command-line argument):`,
    `   ${attachLine(E, dm, setup.withoutPhoto.id, 'set my avatar', 'photo.jpg')}`,
    `   The bot answers with a sign-in link. Approve it as that person and come back to the bot (what the browser does):`,
    `   LINK=$(curl -s ${E}/_emulator/chats/${dm}/posts | grep -o 'http[^" ]*/oauth/authorize[^" \\]*' | tail -1)`,
    `   LOCATION=$(curl -s -X POST ${E}/_emulator/oauth/consent -H 'content-type: application/json' -d '{"authorizeUrl":"'"$LINK"'","extensionId":"${setup.withoutPhoto.id}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).location')`,
    `   curl -s "$LOCATION"`,
    `   posts ${dm}      # a card confirms the new photo`,
    '',
    `4) As the admin ${setup.admin.name}, in the Admins group: the photo audit, scheduled reports, reminders:`,
    `   ${postLine(setup.adminsChatId, setup.admin.id, `![:Person](${setup.botId}) audit missing photos`)}`,
    `   ${postLine(setup.adminsChatId, setup.admin.id, `![:Person](${setup.botId}) send audit reports here`)}`,
    `   ${postLine(setup.adminsChatId, setup.admin.id, `![:Person](${setup.botId}) remind people without photos`)}`,
    `   ${postLine(setup.adminsChatId, setup.admin.id, `![:Person](${setup.botId}) confirm reminders`)}`,
    `   posts ${setup.adminsChatId}`,
    '',
    ...(p.sharedSecret
      ? [
          `5) Click "Show again" on the photo card of step 2 ("posts" shows its id as [card <id>]):`,
          `   curl -s -X POST ${E}/_emulator/adaptive-cards/<card id>/submit -H 'content-type: application/json' -d '${JSON.stringify({ extensionId: setup.admin.id, url: `${p.botUrl}/interactive`, data: { action: 'show', extensionId: setup.withPhoto.id }, sharedSecret: p.sharedSecret })}'`,
          '',
        ]
      : []),
    `Stop with Ctrl+C.`,
    DEMO_READY_MARKER,
    '',
  ];
  return lines.join('\n');
}

/**
 * A shell function definition, `posts() { … }`: `posts <chat id>` prints the chat's posts oldest
 * first, as `name: text` (mentions shown as `@name`), `name: [card <card id>] <fallback text>` or
 * `name: [file <name>]`.
 * Reads `GET /_emulator/chats/{chatId}/posts` with curl and formats it with node (which every
 * reader of the guide has). Single quotes are dropped from names so the line stays one quoted word.
 */
export function postsFunction(emulatorUrl: string, users: EmulatorUser[], botId: string): string {
  const names = JSON.stringify(Object.fromEntries([...users.map((u) => [u.id, u.name.replace(/'/g, '')]), [botId, 'bot']]));
  const script =
    `const n=${names};` +
    `for(const p of JSON.parse(require("fs").readFileSync(0)).records)` +
    `console.log((n[p.creatorId]||p.creatorId)+": "+(p.card?"[card "+p.card.id+"] "+p.card.fallbackText:(p.text||"").replace(/!\\[:Person\\]\\(([^)]+)\\)/g,(m,i)=>"@"+(n[i]||i))||(p.attachments||[]).map(a=>"[file "+a.name+"]").join(" ")))`;
  return `posts() { curl -s ${emulatorUrl}/_emulator/chats/$1/posts | node -e '${script}'; }`;
}

/**
 * A shell line that posts `text` with the file `file` attached, as person `creatorId` in chat
 * `chatId`. The JSON body is built in a pipe and sent with `--data-binary @-`, because a photo's
 * base64 is longer than one command-line argument may be (Linux: 128 KiB); `base64 < f | tr -d`
 * works with both GNU and BSD/macOS base64.
 */
export function attachLine(emulatorUrl: string, chatId: string, creatorId: string, text: string, file: string): string {
  const head = JSON.stringify({ creatorId, text, attachments: [{ name: file, contentType: 'image/jpeg', dataBase64: '' }] });
  const [before, after] = head.split('"dataBase64":""') as [string, string];
  return (
    `{ printf '%s' '${before}"dataBase64":"'; base64 < ${file} | tr -d '\\n'; printf '%s' '"${after}'; }` +
    ` | curl -s -X POST ${emulatorUrl}/_emulator/chats/${chatId}/posts -H 'content-type: application/json' --data-binary @-`
  );
}

/** The last line of the guide; tests wait for it. */
export const DEMO_READY_MARKER = '=== Demo is ready ===';
