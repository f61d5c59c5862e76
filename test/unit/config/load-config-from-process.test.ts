import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFromProcess } from '../../../src/config.ts';

describe('loadConfigFromProcess', () => {
  it('fills in settings from .env that the environment does not set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dotenv-'));
    try {
      fs.writeFileSync(path.join(dir, '.env'), 'AVATAR_TIMEOUT_MS=4321\nMAX_WEBHOOK_BODY_BYTES=2048\n');
      const c = loadConfigFromProcess(dir);
      expect(c.avatarTimeoutMs).toBe(process.env.AVATAR_TIMEOUT_MS ? Number(process.env.AVATAR_TIMEOUT_MS) : 4321);
      expect(c.maxWebhookBodyBytes).toBe(process.env.MAX_WEBHOOK_BODY_BYTES ? Number(process.env.MAX_WEBHOOK_BODY_BYTES) : 2048);
      expect(process.env.AVATAR_TIMEOUT_MS === '4321').toBe(false); // process.env itself is untouched
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
