import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingSlug } from './citation-check.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** Anchors of a Markdown file: explicit `<a id>` and GitHub's heading slugs (code fences skipped). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]!);
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (h) anchors.add(headingSlug(h[1]!));
  }
  return anchors;
}

/** Relative Markdown links `[text](target)` in `markdown` (the text of `file`) that lead nowhere. */
function brokenLinks(file: string, markdown = fs.readFileSync(file, 'utf8')): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1]!;
    if (/^[a-z]+:/.test(link)) continue; // http(s), mailto: outside the repository
    const [target, anchor] = link.split('#') as [string, string | undefined];
    const resolved = target === '' ? file : path.resolve(path.dirname(file), target);
    if (!resolved.startsWith(root + path.sep) || !fs.existsSync(resolved)) {
      broken.push(`${link}: no such file`);
    } else if (anchor !== undefined && !anchorsOf(resolved).has(anchor)) {
      broken.push(`${link}: no such anchor`);
    }
  }
  return broken;
}

describe('README.md and docs/', () => {
  const files = [path.join(root, 'README.md'), ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(root, 'docs', f))];

  it.each(files.map((f) => [path.relative(root, f), f]))('%s: every relative link and anchor resolves', (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('README.md stays short', () => {
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(200);
  });

  it('finds a broken link and a broken anchor', () => {
    const sample = '# Sample\n\n[a](settings.md#no-such-row) [b](missing.md) [c](settings.md#settings) [d](https://example.com) [e](../../x.md)\n';
    expect(brokenLinks(path.join(root, 'docs', 'sample.md'), sample)).toEqual([
      'settings.md#no-such-row: no such anchor',
      'missing.md: no such file',
      '../../x.md: no such file',
    ]);
  });
});
