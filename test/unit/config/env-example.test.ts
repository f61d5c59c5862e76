import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SETTING_NAMES } from '../../../src/config.ts';

const file = path.resolve(import.meta.dirname, '../../../.env.example');

describe('.env.example', () => {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const keys = lines.map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter((k): k is string => Boolean(k));

  it('lists every setting config.ts reads, once, and nothing else', () => {
    expect([...keys].sort()).toEqual([...ALL_SETTING_NAMES].sort());
  });

  it('has a comment line above each setting and no value filled in', () => {
    for (const [i, line] of lines.entries()) {
      if (!/^[A-Z][A-Z0-9_]*=/.test(line)) continue;
      expect(lines[i - 1], `comment above ${line}`).toMatch(/^# \S/);
      expect(line, 'example values stay empty').toMatch(/=$/);
    }
  });
});
