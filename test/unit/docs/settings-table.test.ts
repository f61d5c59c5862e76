import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SETTING_NAMES, SETTING_NAMES } from '../../../src/config.ts';
import { sourceFiles } from './citation-check.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The setting names in the first column of the one table in docs/settings.md. */
function documentedSettings(markdown: string): string[] {
  const rows = markdown.split('\n').filter((line) => /^\|\s*`[A-Z][A-Z0-9_]*`\s*\|/.test(line));
  return rows.map((line) => /^\|\s*`([A-Z][A-Z0-9_]*)`/.exec(line)![1]!);
}

/** True when some file of src/ or scripts/ reads `name` from the environment. */
function readByCode(name: string, sources: string[]): boolean {
  const reads = new RegExp(`env(?:\\.${name}\\b|\\[['"]${name}['"]\\])|['"]${name}['"]`);
  return sources.some((text) => reads.test(text));
}

describe('docs/settings.md', () => {
  const markdown = fs.readFileSync(path.join(root, 'docs/settings.md'), 'utf8');
  const documented = documentedSettings(markdown);

  it('has one row per setting, each named once', () => {
    expect(documented.length).toBeGreaterThan(20);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('documents every setting src/config.ts reads', () => {
    const missing = SETTING_NAMES.filter((name) => !documented.includes(name));
    expect(missing).toEqual([]);
  });

  it('documents only settings the code reads (config.ts, or a script reading its own)', () => {
    const sources = sourceFiles(root, ['src', 'scripts']).map((f) => fs.readFileSync(path.join(root, f), 'utf8'));
    const stale = documented.filter((name) => !ALL_SETTING_NAMES.includes(name) && !readByCode(name, sources));
    expect(stale).toEqual([]);
  });

  it('finds table rows and nothing else', () => {
    const sample = ['| name | default |', '|---|---|', '| `PORT` | `3000` |', 'Text with `LOG_LEVEL` inline.', '| `AUDIT_CRON` | x |'].join('\n');
    expect(documentedSettings(sample)).toEqual(['PORT', 'AUDIT_CRON']);
  });
});
