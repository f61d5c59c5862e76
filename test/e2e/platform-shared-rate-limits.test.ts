/**
 * Two instances (two platforms, two stores on one SQLite file) against the emulator's real
 * usage plan limits over real sockets: each alone stays under the Heavy limit, together they
 * would pass it; with the shared budget in the store, none of their calls gets a 429.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { control, installBot, platformFor, startEmulator, startReceiver, type Receiver } from './platform-e2e-kit.ts';

interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  group?: string;
}

async function requests(emu: Emulator): Promise<RecordedRequest[]> {
  const r = await fetch(`${emu.url}/_emulator/requests`);
  const body = (await r.json()) as RecordedRequest[] | { records: RecordedRequest[] };
  return Array.isArray(body) ? body : body.records;
}

describe('two instances share the usage plan budget', () => {
  let emu: Emulator | undefined;
  let receiver: Receiver | undefined;
  const platforms: RingCentralPlatform[] = [];
  const stores: Store[] = [];
  const db = tempDatabase();
  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    for (const s of stores.splice(0)) await s.close();
    await receiver?.close();
    await emu?.close();
    db.cleanup();
  });

  it('7 + 7 uploads past the Heavy limit (10 per window): no 429', async () => {
    // timeScale 0.05: RingCentral's 60 s window becomes 3 s, announced as X-Rate-Limit-Window: 3.
    emu = await startEmulator({ timeScale: 0.05 });
    receiver = await startReceiver();
    const token = await installBot(emu, receiver);
    const instances = [];
    for (const id of ['a', 'b']) {
      const store = await openStore(db.url, { instanceId: id });
      stores.push(store);
      const made = await platformFor(emu, { sharedRateBudget: store.rateGrants, retry: { maxAttempts: 5, maxWaitMs: 30_000, defaultRetryAfterMs: 2000 } });
      platforms.push(made.platform);
      instances.push(made);
    }
    const botId = (await instances[0]!.platform.installBotToken(token)).extensionId;
    await instances[1]!.platform.installBotToken(token);
    const someone = instances[0]!.state.users[0]!.id;
    const chat = await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'Shared limits', members: [botId, someone] });

    const uploads = instances.flatMap(({ platform }, n) =>
      Array.from({ length: 7 }, (_, i) => platform.bot().uploadFile(chat.id, `f${n}-${i}.txt`, Buffer.from(`file ${n} ${i}`), 'text/plain')),
    );
    const files = await Promise.all(uploads);
    expect(new Set(files.map((f) => f.id)).size).toBe(14);
    const heavy = (await requests(emu)).filter((r) => r.group === 'Heavy');
    expect(heavy).toHaveLength(14);
    expect(heavy.filter((r) => r.status === 429)).toEqual([]);
  }, 30_000);
});
