/**
 * Finds document citations in source text and checks that each one resolves inside the
 * repository: a cited `*.md` file (or `docs/…` path) must exist under the repository root, a
 * `#anchor` must be an anchor of that file, and a `§n` must be a numbered heading of the document
 * cited last before it in the same file. `RFC nnnn §x` cites a standard and is left alone.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One citation that does not resolve: where it is and why. */
export interface CitationProblem {
  file: string;
  line: number;
  citation: string;
  reason: string;
}

// A path ending in .md (optionally with #anchor), a docs/ path, or a § reference.
const CITATION = /((?:\.{1,2}\/)*[\w./-]*[\w-]\.md(?:#[\w-]+)?)|((?<![\w/.-])docs\/[\w./-]*[\w/])|(§\s?([0-9][0-9.]*[0-9]|[0-9]+|[A-Z][0-9]+)(?:\s?[–-]\s?§?([0-9][0-9.]*[0-9]|[0-9]+))?)/g;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

interface DocIndex {
  anchors: Set<string>;
  sections: Set<string>;
}

function indexDocument(text: string): DocIndex {
  const anchors = new Set<string>();
  const sections = new Set<string>();
  for (const m of text.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]!);
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (!h) continue;
    anchors.add(headingSlug(h[1]!));
    const num = /^(\d+(?:\.\d+)*)\.?\s/.exec(h[1]!);
    if (num) sections.add(num[1]!);
  }
  return { anchors, sections };
}

/**
 * Checks the citations in `text` (the content of `file`, a path relative to `root`).
 * Returns one problem per citation that points outside the repository or at nothing.
 */
export function checkCitations(root: string, file: string, text: string): CitationProblem[] {
  const problems: CitationProblem[] = [];
  const cache = new Map<string, DocIndex | undefined>();
  const load = (rel: string): DocIndex | undefined => {
    if (!cache.has(rel)) {
      const abs = path.join(root, rel);
      cache.set(rel, fs.existsSync(abs) && fs.statSync(abs).isFile() ? indexDocument(fs.readFileSync(abs, 'utf8')) : undefined);
    }
    return cache.get(rel);
  };
  let current: string | undefined;
  for (const m of text.matchAll(CITATION)) {
    const line = text.slice(0, m.index).split('\n').length;
    const problem = (reason: string) => problems.push({ file, line, citation: m[0], reason });
    if (m[1] || m[2]) {
      const [target, anchor] = (m[1] ?? m[2]!).split('#') as [string, string | undefined];
      const rel = path.normalize(target.replace(/^\.\//, ''));
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        problem('points outside the repository');
        current = undefined;
        continue;
      }
      if (!fs.existsSync(path.join(root, rel))) {
        problem(`no such file or folder: ${rel}`);
        current = undefined;
        continue;
      }
      current = rel.endsWith('.md') ? rel : undefined;
      if (anchor !== undefined && !load(rel)?.anchors.has(anchor)) problem(`no anchor #${anchor} in ${rel}`);
      continue;
    }
    if (/RFC\s?\d+\s*$/.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    if (!current) {
      problem('a § reference with no document of this repository cited before it');
      continue;
    }
    const doc = load(current);
    for (const sec of [m[4], m[5]].filter((s): s is string => s !== undefined)) {
      if (!doc?.sections.has(sec)) problem(`no section ${sec} in ${current}`);
    }
  }
  return problems;
}

/** Every .ts/.mjs/.js file under the given folders of `root`, as paths relative to `root`. */
export function sourceFiles(root: string, folders: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(child);
    }
  };
  for (const f of folders) if (fs.existsSync(path.join(root, f))) walk(f);
  return out.sort();
}
