import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('foundation', () => {
  it('declares every script DESIGN.md names', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['start', 'test', 'emulator', 'avatar', 'audit', 'bench']) {
      expect(pkg.scripts[name], name).toBeTruthy();
    }
  });
});
