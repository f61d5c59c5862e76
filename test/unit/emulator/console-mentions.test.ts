/**
 * The console's composer turns the "@Name" a person picked from the autocomplete into
 * RingCentral's mention markup when it posts (src/emulator/console/static/composer.js).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const composer = pathToFileURL(path.resolve(import.meta.dirname, '../../../src/emulator/console/static/composer.js')).href;
const { withMentionMarkup } = (await import(composer)) as { withMentionMarkup: (text: string, picked: Map<string, string>) => string };

describe('withMentionMarkup', () => {
  it('posts markup for each picked name, longest first and whole names only', () => {
    const picked = new Map([
      ['Ann', '1'],
      ['Ann Lee', '2'],
      ['Avatar bot (emulator)', '9'],
    ]);
    expect(withMentionMarkup('show @Ann Lee ', picked)).toBe('show ![:Person](2) ');
    expect(withMentionMarkup('@Avatar bot (emulator) ask @Ann, not @Anna', picked)).toBe('![:Person](9) ask ![:Person](1), not @Anna');
  });

  it('leaves text alone when nothing was picked or the name was edited', () => {
    expect(withMentionMarkup('mail me @ noon', new Map())).toBe('mail me @ noon');
    expect(withMentionMarkup('hi @An Lee', new Map([['Ann Lee', '2']]))).toBe('hi @An Lee');
  });
});
