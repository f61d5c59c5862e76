/**
 * The web console when the emulator goes away and comes back (Debian's Chromium, headless): the
 * page reaches the emulator through a TCP proxy the test stops and starts again on the same port.
 * While it is down the page says so in a status line, a post that could not be sent stays in the
 * box, and nothing is left unhandled; once it is back the page catches up on what it missed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { launchBrowser, skipWithoutChromium } from './console-browser.ts';
import { tcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const skip = skipWithoutChromium();
let emu: Emulator;
let proxy: TcpProxy;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (skip) return;
  emu = await createEmulator({ seed: { users: 3, withPhotoRatio: 0 } });
  proxy = await tcpProxy(emu.port);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await emu?.close();
});

const api = (path: string, body?: unknown) =>
  fetch(`${emu.url}/_emulator/console/api${path}`, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.skipIf(skip)('the console while the emulator is unreachable', () => {
  it('says it is disconnected, keeps an unsent post, and catches up when the emulator is back', async () => {
    const [a, b] = ((await (await api('/people')).json()) as { records: { id: string; name: string }[] }).records as [{ id: string; name: string }, { id: string; name: string }];
    const chat = (await (await api('/chats', { as: a.id, members: [b.id] })).json()) as { id: string };
    await page.goto(`${proxy.url}/`);
    await page.getByLabel('Person').selectOption(a.id);
    await page.getByRole('navigation', { name: 'Chats' }).getByRole('button', { name: b.name }).click();
    const disconnected = page.getByRole('status').filter({ hasText: 'Disconnected from the emulator — reconnecting…' });
    expect(await disconnected.count()).toBe(0);

    await proxy.stop();
    await disconnected.waitFor({ timeout: 10_000 });
    await page.getByLabel('Message').fill('are you there?');
    await page.getByLabel('Message').press('Enter');
    await page.getByRole('status').filter({ hasText: 'Not sent: the emulator is not reachable' }).waitFor();
    expect(await page.getByLabel('Message').inputValue()).toBe('are you there?');
    // Posted while this page could not hear about it.
    expect((await api(`/chats/${chat.id}/posts`, { as: b.id, text: 'posted during the outage' })).status).toBe(201);

    await proxy.start();
    await disconnected.waitFor({ state: 'detached', timeout: 15_000 });
    const log = page.getByRole('log', { name: 'Posts' });
    await log.getByText('posted during the outage').waitFor({ timeout: 10_000 });
    await page.getByLabel('Message').press('Enter');
    await log.getByText('are you there?').waitFor({ timeout: 10_000 });
    expect(await page.getByLabel('Message').inputValue()).toBe('');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
