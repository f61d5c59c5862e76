/** A fresh SQLite file under the OS temp folder, removed by `cleanup()`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDatabase(): { file: string; url: string; dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-bot-'));
  const file = path.join(dir, 'bot.sqlite');
  return { file, url: `file:${file}`, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
