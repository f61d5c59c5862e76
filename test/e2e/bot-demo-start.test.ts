/**
 * `npm start` with no RingCentral settings, spawned like a person would run it: demo mode starts
 * the emulator, installs the bot, prints the guide; we post through the control API and read
 * the reply; SIGTERM stops it with exit code 0.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');
const db = tempDatabase();
let proc: SpawnedProcess | undefined;
afterAll(async () => {
  proc?.signal('SIGKILL');
  db.cleanup();
});

describe('npm start in demo mode', () => {
  it('prints a guide, answers a person, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const emulatorPort = await freePort();
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), EMULATOR_PORT: String(emulatorPort), DATABASE_URL: db.url, LOG_LEVEL: 'info', NODE_ENV: 'development' };
    proc = spawnProcess('npm', ['start', '--silent'], { cwd: root, env });
    await proc.waitForLine((l) => l.includes('=== Demo is ready ==='), 30_000);
    const guide = proc.lines.join('\n');
    // The console's address comes first, before the bot's start-up logs (the first one that is
    // not the "starting demo mode" line).
    const consoleLine = proc.lines.findIndex((l) => l.includes(`Chat with the bot in your browser: http://127.0.0.1:${emulatorPort}/`));
    const firstBotLog = proc.lines.findIndex((l) => l.startsWith('{') && !l.includes('starting demo mode'));
    expect(consoleLine).toBeGreaterThanOrEqual(0);
    expect(consoleLine).toBeLessThan(firstBotLog);
    expect(guide).toContain(`http://127.0.0.1:${emulatorPort}/_emulator/chats/`);
    expect(guide).toMatch(/curl -s -X POST/);

    const control = createEmulatorControl(`http://127.0.0.1:${emulatorPort}`);
    const state = await control.state();
    const botId = state.bot!.extensionId;
    const dm = state.chats.find((c) => c.type === 'Direct' && c.members.includes(botId))!;
    const person = dm.members.find((m) => m !== botId)!;
    await control.post(dm.id, { creatorId: person, text: 'help' });
    const replies = await waitUntil(
      async () => {
        const posts = await control.posts(dm.id);
        const userIndex = posts.findIndex((p) => p.text === 'help' && p.creatorId === person);
        const texts = posts.slice(userIndex + 1).filter((p) => p.creatorId === botId).map((p) => p.text ?? '');
        return texts.length > 0 ? texts : undefined;
      },
      'the reply to help',
      15_000,
    );
    expect(replies[0]).toMatch(/set my avatar/);

    // Step 2 and 4 of the printed guide, as a person would paste them.
    const step2 = /-d '(\{"creatorId":[^']*show[^']*\})'/.exec(guide)![1]!;
    const step2Url = /(http:\/\/\S+\/_emulator\/chats\/\d+\/posts) -H 'content-type: application\/json' -d '\{"creatorId":[^']*show/.exec(guide)![1]!;
    await fetch(step2Url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: step2 });
    const groupId = /chats\/(\d+)\/posts/.exec(step2Url)![1]!;
    const cardId = await waitUntil(
      async () => {
        const card = (await control.posts(groupId)).find((p) => p.creatorId === botId && p.card);
        return card ? String((card.card as { id: string }).id) : undefined;
      },
      'the bot\'s card in the group',
      15_000,
    );
    const step4 = /adaptive-cards\/<card id>\/submit -H 'content-type: application\/json' -d '([^']*)'/.exec(guide)![1]!;
    const clicked = (await (
      await fetch(`http://127.0.0.1:${emulatorPort}/_emulator/adaptive-cards/${cardId}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: step4 })
    ).json()) as { status?: number };
    expect(clicked.status).toBe(200);

    // Like Heroku or `docker stop`: SIGTERM to every process of the dyno (npm ends by the signal;
    // the bot drains, says "stopped" and exits 0).
    proc.signal('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await proc.exited);
    await proc.closed;
    const out = proc.lines.join('\n');
    expect(out).toMatch(/"msg":"stopped"/);
    expect(out).not.toMatch(/shutdown failed/);
  });

  it('is refused when NODE_ENV=production', async () => {
    const p = spawnProcess('npx', ['tsx', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' } });
    expect(await p.exited).toBe(1);
    expect(p.lines.join('\n')).toMatch(/demo mode is refused when NODE_ENV=production/);
  });
});
