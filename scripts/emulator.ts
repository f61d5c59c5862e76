/**
 * `npm run emulator`: the local RingCentral on its own. Listens on EMULATOR_PORT (default 3001;
 * EMULATOR_HOST, default 127.0.0.1), seeds a demo company (EMULATOR_USERS people, default 25;
 * 60 % with photos), prints the base URL, the app's client id and secret, a JWT for the admin,
 * the ATTACHMENT_FILE_PATHS a bot needs to read its file links, the seeded people and a few control-API examples, then serves until Ctrl-C (SIGINT/SIGTERM).
 */
import { parseArgs } from 'node:util';
import { createEmulator, FILES_MEDIA_PREFIX } from '../src/emulator/create-emulator.ts';
import { loadEmulatorCliSettings, readSettingsEnvironment } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';

const USAGE = `Usage: npm run emulator [-- --help]

Starts the local RingCentral emulator with a seeded demo company and serves until Ctrl-C.
Settings (environment or .env):
  EMULATOR_PORT   port to listen on (default 3001; 0 = any free port)
  EMULATOR_HOST   interface to listen on (default 127.0.0.1)
  EMULATOR_USERS  people in the seeded company (default 25)
`;

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

let settings;
try {
  settings = loadEmulatorCliSettings(readSettingsEnvironment());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.problems.join('\n')}\n`);
  process.exit(2);
}
const { port, users, host } = settings;

let emu;
try {
  emu = await createEmulator({ port, host, seed: { users, withPhotoRatio: 0.6 } });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    console.error(`EMULATOR_PORT ${port} is already in use on ${host}: stop what is listening there, or pick a free port (EMULATOR_PORT=4001 npm run emulator)`);
    process.exit(1);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
    // A host name that doesn't resolve, or an address this machine doesn't have.
    console.error(`EMULATOR_HOST ${host} is not an interface of this machine (${code}); use 127.0.0.1, 0.0.0.0 or one of its addresses`);
    process.exit(2);
  }
  if (code === 'EACCES') {
    console.error(`EMULATOR_PORT ${port} needs privileges on ${host} (EACCES); pick a port above 1023`);
    process.exit(2);
  }
  throw error;
}
const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as {
  accountId: string;
  app: { clientId: string; clientSecret: string };
  adminJwt: string;
  users: { id: string; name: string; email: string; admin: boolean; hasPhoto: boolean; status: string }[];
};

const shown = state.users.slice(0, 40);
const width = Math.max(...shown.map((u) => u.name.length));
const lines = [
  '',
  `RingCentral emulator listening on ${emu.url}`,
  '',
  `  RINGCENTRAL_SERVER_URL=${emu.url}`,
  `  RINGCENTRAL_CLIENT_ID=${state.app.clientId}`,
  `  RINGCENTRAL_CLIENT_SECRET=${state.app.clientSecret}`,
  `  ATTACHMENT_FILE_PATHS=${FILES_MEDIA_PREFIX}/`,
  `  account id: ${state.accountId}`,
  '',
  `Admin JWT (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer):`,
  `  ${state.adminJwt}`,
  '',
  `Seeded people (${state.users.length}${state.users.length > shown.length ? `, first ${shown.length} shown` : ''}):`,
  ...shown.map(
    (u) =>
      `  ${u.id}  ${u.name.padEnd(width)}  ${u.email.padEnd(width + 14)}  ${u.status.padEnd(12)}${u.admin ? ' admin' : '      '}${u.hasPhoto ? ' photo' : ''}`,
  ),
  '',
  'Try it:',
  `  Team Messaging console (open in a browser): ${emu.url}/`,
  `  curl -s -u ${state.app.clientId}:${state.app.clientSecret} ${emu.url}/restapi/oauth/token \\`,
  `       -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer -d assertion=<admin JWT>`,
  `  curl -s -H "Authorization: Bearer <access_token>" '${emu.url}/restapi/v1.0/account/~/extension?perPage=5'`,
  `  curl -s ${emu.url}/_emulator/state`,
  `  curl -s -X POST ${emu.url}/_emulator/reset -H 'Content-Type: application/json' -d '{"seed":{"users":100,"withPhotoRatio":0.5}}'`,
  `  curl -s -X POST ${emu.url}/_emulator/bots/install -H 'Content-Type: application/json' -d '{"redirectUri":"http://127.0.0.1:3000/oauth"}'`,
  `  Consent page (open in a browser): ${emu.url}/restapi/oauth/authorize?response_type=code&client_id=${state.app.clientId}&redirect_uri=http://127.0.0.1:3000/oauth/user`,
  '',
  'Control API and what the emulator serves: docs/emulator.md. Ctrl-C stops.',
  '',
];
console.log(lines.join('\n'));

let closing = false;
const stop = async (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`\n${signal}: stopping the emulator`);
  await emu.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
