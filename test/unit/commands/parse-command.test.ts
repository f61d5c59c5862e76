import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_CHARS, parseCommand } from '../../../src/commands/parse-command.ts';
import { createCommandRegistry } from '../../../src/commands/command-registry.ts';
import { createCommands } from '../../../src/commands/index.ts';

describe('parseCommand', () => {
  it('normalizes case, punctuation, spaces and mention markup', () => {
    expect(parseCommand('  Set   MY Avatar, please!! ').normalized).toBe('set my avatar please');
    expect(parseCommand('show ![:Person](123456)?').normalized).toBe('show @person');
    expect(parseCommand('set avatar for ![:Team](555)').normalized).toBe('set avatar for @team');
    expect(parseCommand("set ![:Person](1)’s photo").normalized).toBe("set @person's photo");
  });
});

describe('command registry', () => {
  const registry = createCommandRegistry(createCommands());
  const nameFor = (text: string) => registry.find(parseCommand(text))?.name;

  it.each([
    ['set my avatar', 'set-my-avatar'],
    ['Set my photo', 'set-my-avatar'],
    ['please update my profile picture', 'set-my-avatar'],
    ['change avatar', 'set-my-avatar'],
    ['set avatar for ![:Person](42)', 'set-avatar-for-person'],
    ['set photo of ![:Person](42)', 'set-avatar-for-person'],
    ["set ![:Person](42)'s avatar", 'set-avatar-for-person'],
    ['show ![:Person](42)', 'show-person'],
    ['Show me', 'show-person'],
    ['show my photo', 'show-person'],
    ['show Oliver', 'show-person'],
    ['forget me', 'forget-me'],
    ['sign out', 'forget-me'],
    ['help', 'help'],
    ['Hello!', 'help'],
  ])('%s → %s', (text, name) => {
    expect(nameFor(text)).toBe(name);
  });

  it('does not match unrelated text', () => {
    expect(nameFor('what is the weather')).toBeUndefined();
    expect(nameFor('showcase')).toBeUndefined();
  });

  it('generates help from every command', () => {
    const help = registry.helpText();
    for (const c of registry.commands) for (const u of c.usage) expect(help).toContain(u);
  });

  it('refuses duplicate names', () => {
    const [first] = createCommands();
    expect(() => createCommandRegistry([first!, first!])).toThrow(/Duplicate command name/);
  });

  it('matches extra commands before help', () => {
    const extra = { name: 'audit', usage: ['audit'], summary: 'x', matches: () => true, run: async () => undefined };
    const r = createCommandRegistry(createCommands([extra]));
    expect(r.find(parseCommand('hello'))?.name).toBe('audit');
    expect(r.find(parseCommand('set my avatar'))?.name).toBe('set-my-avatar');
  });
});

describe('parseCommand on hostile text', () => {
  it('looks only at the first MAX_COMMAND_CHARS characters', () => {
    const long = `show me${' please'.repeat(MAX_COMMAND_CHARS)}`;
    expect(parseCommand(long).raw).toBe(long);
    expect(parseCommand(long).normalized.length).toBeLessThanOrEqual(MAX_COMMAND_CHARS);
    expect(parseCommand(long).normalized.startsWith('show me please')).toBe(true);
  });

  it('stays linear on unclosed markup (the old quadratic scan blocked the event loop ~90 s on 300 000 characters)', () => {
    for (const unit of ['[', '![:Person](', '![:', '[a](']) {
      const text = unit.repeat(Math.ceil(300_000 / unit.length));
      expect(parseCommand(text).normalized.length).toBeLessThanOrEqual(MAX_COMMAND_CHARS);
    }
  });
});
