/**
 * The demo guide's shell lines, pasted into bash against a real emulator: step 3 attaches a
 * photo larger than one command-line argument may be (the old `-d "…$(base64 …)"` form failed
 * there with "Argument list too long"), and the sign-in lines find the link in the chat and get
 * the consent redirect.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl, type EmulatorControl } from '../../src/demo/emulator-control.ts';
import { demoGuide, type DemoSetup } from '../../src/demo/start-demo.ts';

const run = promisify(execFile);
const hasTools = ['bash', 'curl', 'base64', 'tr', 'grep'].every((tool) =>
  (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && fs.existsSync(path.join(d, tool))),
);

let emulator: Emulator;
let control: EmulatorControl;
let dir: string;

beforeAll(async () => {
  emulator = await createEmulator({ port: 0 });
  control = createEmulatorControl(emulator.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-guide-'));
});
afterAll(async () => {
  await emulator?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function guideFor(): Promise<{ guide: string; setup: DemoSetup }> {
  const seeded = await control.reset({ users: 4, withPhotoRatio: 0.5 });
  const admin = seeded.users.find((u) => u.admin)!;
  const others = seeded.users.filter((u) => u.id !== admin.id);
  const withPhoto = others.find((u) => u.hasPhoto)!;
  const withoutPhoto = others.find((u) => !u.hasPhoto)!;
  // A stand-in for the bot: a direct chat between the person and the admin is enough for the shell lines.
  const dm = await control.addChat({ type: 'Direct', members: [withoutPhoto.id, admin.id] });
  const group = await control.addChat({ type: 'Group', name: 'Admins', members: [admin.id, withPhoto.id] });
  const setup: DemoSetup = { admin, withPhoto, withoutPhoto, botId: admin.id, adminsChatId: group.id, directChats: { [withoutPhoto.id]: dm.id } };
  const guide = demoGuide({ emulatorUrl: emulator.url, botUrl: 'http://127.0.0.1:9', setup, state: await control.state() });
  return { guide, setup };
}

/** The indented shell lines of one numbered step, as a person would copy them. */
function stepLines(guide: string, step: number): string[] {
  const lines = guide.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${step}) `));
  const end = lines.findIndex((l, i) => i > start && /^\d\) |^Stop with/.test(l));
  return lines.slice(start + 1, end).filter((l) => /^ {3}(curl|\{|LINK=|LOCATION=|posts)/.test(l)).map((l) => l.slice(3));
}

describe.skipIf(!hasTools)('demo guide shell lines (needs bash, curl, base64, tr, grep)', () => {
  it('step 3 posts a 300 KB photo through a pipe, byte for byte', async () => {
    const { guide, setup } = await guideFor();
    const attach = stepLines(guide, 3).find((l) => l.startsWith('{'))!;
    expect(attach).toContain('--data-binary @-');
    const photo = crypto.randomBytes(300_000); // base64 ≈ 400 KB: over Linux's 128 KiB limit for one argument
    fs.writeFileSync(path.join(dir, 'photo.jpg'), photo);
    const { stdout } = await run('bash', ['-c', attach], { cwd: dir, maxBuffer: 1 << 20 });
    const post = JSON.parse(stdout) as { id: string; text: string; creatorId: string; attachments: Array<{ contentUri: string; name: string }> };
    expect(post.text).toBe('set my avatar');
    expect(post.creatorId).toBe(setup.withoutPhoto.id);
    expect(post.attachments).toHaveLength(1);
    const downloaded = Buffer.from(await (await fetch(post.attachments[0]!.contentUri)).arrayBuffer());
    expect(downloaded.equals(photo)).toBe(true);
  });

  it('step 3 sign-in lines pick the link out of the chat and get the consent redirect', async () => {
    const { guide, setup } = await guideFor();
    const dm = setup.directChats[setup.withoutPhoto.id]!;
    const state = `st-${crypto.randomBytes(6).toString('hex')}`;
    const authorizeUrl = `${emulator.url}/restapi/oauth/authorize?response_type=code&client_id=${(await control.state()).app.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/oauth/user')}&state=${state}`;
    // The bot's sign-in text: the link is followed by a newline (\n inside the JSON string).
    await control.post(dm, { creatorId: setup.admin.id, text: `Please sign in: ${authorizeUrl}\nThe link works once.` });
    const [link, location] = stepLines(guide, 3).filter((l) => /^(LINK|LOCATION)=/.test(l));
    const { stdout } = await run('bash', ['-c', `${link}\n${location}\nprintf '%s' "$LOCATION"`], { cwd: dir });
    const redirect = new URL(stdout);
    expect(`${redirect.origin}${redirect.pathname}`).toBe('http://127.0.0.1:9/oauth/user');
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(redirect.searchParams.get('code')).toMatch(/\S+/);
  });

  it('step 0 defines "posts <chat id>", which prints a chat as text with names, mentions and files', async () => {
    const { guide, setup } = await guideFor();
    const define = stepLines(guide, 0).find((l) => l.startsWith('posts() {'))!;
    const dm = setup.directChats[setup.withoutPhoto.id]!;
    await control.post(dm, { creatorId: setup.withoutPhoto.id, text: "it's me\nsecond line" });
    await control.post(dm, { creatorId: setup.withoutPhoto.id, text: `show ![:Person](${setup.withPhoto.id}) and ![:Person](999)` });
    await control.post(dm, { creatorId: setup.admin.id, attachments: [{ name: 'me.png', contentType: 'image/png', dataBase64: 'iVBORw0KGgo=' }] });
    const { stdout } = await run('bash', ['-c', `${define}\nposts ${dm}`], { cwd: dir });
    // the admin stands in for the bot in this world, so its posts are named "bot"
    expect(stdout).toBe(
      `${setup.withoutPhoto.name}: it's me\nsecond line\n${setup.withoutPhoto.name}: show @${setup.withPhoto.name} and @999\nbot: [file me.png]\n`,
    );
  });

  it('step 4 posts the admin commands in the Admins group', async () => {
    const { guide, setup } = await guideFor();
    const posts = stepLines(guide, 4).filter((l) => l.includes('-X POST'));
    for (const line of posts) await run('bash', ['-c', line], { cwd: dir });
    const texts = (await control.posts(setup.adminsChatId)).filter((p) => p.creatorId === setup.admin.id).map((p) => p.text);
    expect(texts).toEqual(['audit missing photos', 'send audit reports here', 'remind people without photos', 'confirm reminders'].map((t) => `![:Person](${setup.botId}) ${t}`));
  });
});
