/** A fresh SQLite file under the OS temp folder, removed by `cleanup()`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

export function tempDatabase(): { file: string; url: string; dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-bot-'));
  const file = path.join(dir, 'bot.sqlite');
  return { file, url: `file:${file}`, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Opens the store on a SQLite file (or `:memory:`) and remembers it in `opened` so an
 * afterEach can close it. Resolves the store (its `audit` tables for the audit classes).
 */
export async function openSqliteStoreForTest(file: string, opened: Array<{ close(): Promise<void> }>): Promise<Store> {
  const store = await openStore(`file:${file}`);
  opened.push(store);
  return store;
}
