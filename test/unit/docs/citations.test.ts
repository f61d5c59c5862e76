import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCitations, headingSlug, sourceFiles } from './citation-check.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('document citations in src/ and scripts/', () => {
  it('all point at files, sections and anchors in the repository', () => {
    const files = sourceFiles(root, ['src', 'scripts']);
    expect(files.length).toBeGreaterThan(50);
    const problems = files.flatMap((f) => checkCitations(root, f, fs.readFileSync(path.join(root, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('the tree really cites the notes (the scan finds citations)', () => {
    const text = sourceFiles(root, ['src', 'scripts'])
      .map((f) => fs.readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    expect(text.match(/docs\/ringcentral-notes\.md/g)?.length ?? 0).toBeGreaterThan(50);
  });
});

describe('checkCitations', () => {
  const check = (text: string) => checkCitations(root, 'src/example.ts', text).map((p) => p.reason);

  it('accepts a section, a range, an anchor and a later bare § of the same document', () => {
    expect(
      check(
        '/** docs/ringcentral-notes.md §2.3, §2.4–2.6 and §3; docs/ringcentral-notes.md#webhook-handshake; docs/settings.md */',
      ),
    ).toEqual([]);
  });

  it('refuses a document that is not in the repository', () => {
    expect(check('// see ringcentral-api.md §2.3')).toEqual(['no such file or folder: ringcentral-api.md', 'a § reference with no document of this repository cited before it']);
  });

  it('refuses a path outside the repository', () => {
    expect(check('// ../shared/docs/ringcentral-api.md')).toEqual(['points outside the repository']);
  });

  it('refuses a section the document does not have', () => {
    expect(check('// docs/ringcentral-notes.md §42.7')).toEqual(['no section 42.7 in docs/ringcentral-notes.md']);
  });

  it('refuses an anchor the document does not have', () => {
    expect(check('// docs/ringcentral-notes.md#no-such-anchor')).toEqual(['no anchor #no-such-anchor in docs/ringcentral-notes.md']);
  });

  it('refuses a bare § with no document before it, and a field-notes style key', () => {
    expect(check('// (field-bugs §A3)')).toHaveLength(1);
    expect(check('// API notes §5')).toEqual(['a § reference with no document of this repository cited before it']);
  });

  it('leaves RFC sections alone', () => {
    expect(check('/** BASE64URL(SHA-256(verifier)), RFC 7636 §4.2. */')).toEqual([]);
  });

  it('makes GitHub-style heading anchors', () => {
    expect(headingSlug('2.3 Profile image')).toBe('23-profile-image');
    expect(headingSlug('Try it in one minute (demo mode)')).toBe('try-it-in-one-minute-demo-mode');
  });
});
