/**
 * The emulator's web console in a real browser (Debian's Chromium, headless) against the real
 * bot in demo mode (`npm start`, spawned): people chat with the bot the way they would in
 * RingCentral, by the accessible names a screen reader announces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Jimp } from 'jimp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, skipWithoutChromium, startDemoProcess, type RunningDemoProcess } from './console-browser.ts';
import { meanAbsDiff, type Rgba } from '../images/pixels.ts';

const IMAGES = path.resolve(import.meta.dirname, '../../../shared/images');
/** Where each run's screenshot goes; copied to docs/console.png only with UPDATE_CONSOLE_SCREENSHOT=1. */
const SCREENSHOT = path.join(os.tmpdir(), 'console.png');
const skip = skipWithoutChromium();

let demo: RunningDemoProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
  if (skip) return;
  demo = await startDemoProcess();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${demo.emulatorUrl}/`);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const user = (pick: (u: RunningDemoProcess['state']['users'][number]) => boolean) => demo.state.users.find(pick)!;
const log = () => page.getByRole('log', { name: 'Posts' });

async function actAs(id: string, chat: RegExp) {
  await page.getByLabel('Person').selectOption(id);
  await page.getByRole('navigation', { name: 'Chats' }).getByRole('button', { name: chat }).click();
  await expect.poll(() => page.getByRole('heading', { level: 2, name: chat }).count()).toBe(1);
}

/** The text of `personId`'s newest post in their chat titled `chat`, as the emulator keeps it. */
async function lastPostText(personId: string, chat: RegExp): Promise<string | undefined> {
  const api = `${demo.emulatorUrl}/_emulator/console/api`;
  const chats = ((await (await fetch(`${api}/chats?as=${personId}`)).json()) as { records: { id: string; title: string }[] }).records;
  const chatId = chats.find((c) => chat.test(c.title))!.id;
  const posts = ((await (await fetch(`${api}/chats/${chatId}/posts?as=${personId}`)).json()) as { records: { creatorId: string; text: string }[] }).records;
  return posts.filter((p) => p.creatorId === personId).at(-1)?.text;
}

/** CSS pixels between the thread's view and the end of its posts. */
const distanceFromBottom = () => log().evaluate((ol) => {
  const box = ol.parentElement!;
  return box.scrollHeight - box.scrollTop - box.clientHeight;
});

/** Types `@query` and picks `name` from the autocomplete list. */
async function mention(query: string, name: RegExp) {
  await page.getByLabel('Message').pressSequentially(`@${query}`);
  await page.getByRole('listbox', { name: 'People to mention' }).getByRole('option', { name }).click();
}

async function square(bytes: Buffer, rotate = 0): Promise<Rgba> {
  const img = await Jimp.fromBuffer(bytes);
  if (rotate) img.rotate(rotate);
  img.cover({ w: 48, h: 48 });
  return { width: 48, height: 48, data: img.bitmap.data };
}

describe.skipIf(skip)('the Team Messaging console in Chromium', () => {
  it('a person DMs the bot "help" and sees the answer', async () => {
    const person = user((u) => !u.admin && !u.hasPhoto);
    await actAs(person.id, /Avatar bot/);
    await page.getByLabel('Message').fill('help');
    await page.getByLabel('Message').press('Enter');
    await expect.poll(() => log().getByRole('article', { name: /^Avatar bot/ }).filter({ hasText: 'set my avatar' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    // The page's placeholder goes once the console is up (it used to stay below the layout).
    expect(await page.getByText('Loading the console…').count()).toBe(0);
  }, 60_000);

  it('sets a sideways phone photo through sign-in and consent; the card and the directory show it upright', async () => {
    const person = user((u) => !u.admin && !u.hasPhoto);
    await actAs(person.id, /Avatar bot/);
    // Stored sideways with EXIF orientation 6; upright it is exif-orient-1-landscape.jpg (expected.json).
    const expected = JSON.parse(fs.readFileSync(path.join(IMAGES, 'expected.json'), 'utf8'))['exif-orient-6-landscape.jpg'];
    expect(expected.sameAs).toBe('exif-orient-1-landscape.jpg');
    await page.getByLabel('Attach photo').setInputFiles(path.join(IMAGES, 'exif-orient-6-landscape.jpg'));
    await page.getByLabel('Message').fill('set my avatar');
    await page.getByRole('button', { name: 'Send' }).click();
    const signIn = log().getByRole('link', { name: /\/restapi\/oauth\/authorize\?/ }).last();
    await signIn.waitFor({ timeout: 20_000 });
    const [consent] = await Promise.all([browser.context.waitForEvent('page'), signIn.click()]);
    await consent.waitForLoadState();
    await expect.poll(() => consent.getByRole('heading', { name: 'Avatar bot (emulator)' }).count()).toBe(1);
    expect(await consent.textContent('body')).toContain(`Approving as ${person.name}`);
    await consent.getByRole('button', { name: 'Approve' }).click();
    await consent.waitForURL(`${demo.botUrl}/**`);
    await consent.close();

    const photo = log().getByRole('img', { name: `Profile photo of ${person.name}` });
    await photo.waitFor({ timeout: 30_000 });
    const directoryPhoto = page.getByRole('complementary', { name: 'Directory' }).getByRole('img', { name: `Photo of ${person.name}` });
    await directoryPhoto.waitFor({ timeout: 10_000 });
    // The photo the card shows is the one now set, and it is upright.
    const cardBytes = Buffer.from(await (await fetch(new URL((await photo.getAttribute('src'))!, demo.emulatorUrl))).arrayBuffer());
    const setBytes = Buffer.from(await (await fetch(`${demo.emulatorUrl}/_emulator/console/api/people/${person.id}/photo?scale=original`)).arrayBuffer());
    expect(cardBytes.equals(setBytes)).toBe(true);
    const upright = fs.readFileSync(path.join(IMAGES, 'exif-orient-1-landscape.jpg'));
    const got = await square(setBytes);
    const toUpright = meanAbsDiff(got, await square(upright));
    const toSideways = meanAbsDiff(got, await square(upright, 90));
    expect(toUpright).toBeLessThan(12);
    expect(toUpright).toBeLessThan(toSideways / 2);

    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_CONSOLE_SCREENSHOT) fs.copyFileSync(SCREENSHOT, path.resolve(import.meta.dirname, '../../docs/console.png'));
  }, 90_000);

  it('"show @person" picked through the autocomplete shows that person\'s card', async () => {
    const admin = user((u) => u.admin);
    const shown = user((u) => !u.admin && u.hasPhoto);
    await actAs(admin.id, /Avatar bot/);
    await page.getByLabel('Message').fill('show ');
    await mention(shown.name.split(' ')[0]!.slice(0, 3), new RegExp(`^${shown.name}$`));
    // The box shows the name; RingCentral's mention markup is what is posted.
    await expect.poll(() => page.getByLabel('Message').inputValue()).toBe(`show @${shown.name} `);
    await page.getByLabel('Message').press('Enter');
    await expect.poll(() => log().getByRole('article').filter({ hasText: `@${shown.name}` }).count()).toBeGreaterThan(0);
    expect(await lastPostText(admin.id, /Avatar bot/)).toBe(`show ![:Person](${shown.id}) `);
    const card = log().getByRole('img', { name: `Profile photo of ${shown.name}` });
    await card.waitFor({ timeout: 20_000 });
    // The card's photo loads after the post is shown: the thread still ends on it, not cut off.
    await expect.poll(() => card.evaluate((img: HTMLImageElement) => img.complete)).toBe(true);
    await expect.poll(() => distanceFromBottom()).toBeLessThan(2);
  }, 60_000);

  it('an admin runs the audit in a group and clicks a card button; the bot answers', async () => {
    const admin = user((u) => u.admin);
    await actAs(admin.id, /Admins/);
    // On a narrow window the header wraps instead of pushing the Admin badge off the page.
    await page.setViewportSize({ width: 800, height: 800 });
    const badge = (await page.getByRole('banner').getByText('Admin', { exact: true }).boundingBox())!;
    expect(badge.x + badge.width).toBeLessThanOrEqual(800);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    await page.setViewportSize({ width: 1280, height: 800 });
    await mention('Ava', /Avatar bot/);
    await page.getByLabel('Message').pressSequentially('audit missing photos');
    await page.getByLabel('Message').press('Enter');
    await log().getByText('Without a photo', { exact: true }).first().waitFor({ timeout: 30_000 });
    await mention('Ava', /Avatar bot/);
    await page.getByLabel('Message').pressSequentially('remind people without photos');
    await page.getByRole('button', { name: 'Send' }).click();
    const send = log().getByRole('button', { name: /^Send \d+ reminders?$/ });
    await send.waitFor({ timeout: 20_000 });
    // The card's Markdown is formatted as RingCentral shows it, not left as asterisks.
    expect(await log().locator('.card strong', { hasText: 'confirm reminders' }).count()).toBeGreaterThan(0);
    expect(await log().locator('.card').getByText(/\*\*confirm reminders\*\*/).count()).toBe(0);
    await send.click();
    await log().getByText(/^Reminders done:/).waitFor({ timeout: 30_000 });
  }, 90_000);

  it('creates a group with chosen members and posts a photo dropped onto the thread', async () => {
    const admin = user((u) => u.admin);
    const [m1, m2] = demo.state.users.filter((u) => !u.admin);
    await page.getByLabel('Person').selectOption(admin.id);
    await page.getByText('New chat or group').click();
    const form = page.getByRole('form', { name: 'New chat' });
    await form.getByRole('checkbox', { name: m1!.name }).check();
    await form.getByRole('checkbox', { name: m2!.name }).check();
    await form.getByLabel('Group name').fill('Photo club');
    await form.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { level: 2, name: 'Photo club' }).waitFor();
    const bytes = fs.readFileSync(path.join(IMAGES, 'control-baseline-320x240.jpg')).toString('base64');
    const drop = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], 'lake.jpg', { type: 'image/jpeg' }));
      return dt;
    }, bytes);
    await page.getByRole('main').dispatchEvent('drop', { dataTransfer: drop });
    await page.getByRole('button', { name: 'Remove lake.jpg' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    const shown = log().getByRole('img', { name: 'lake.jpg' });
    await shown.waitFor({ timeout: 10_000 });
    expect(await shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
  }, 60_000);
});
