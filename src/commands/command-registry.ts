/**
 * The list of commands the bot understands. Matching and the help text both come from here,
 * so help never goes stale.
 */
import type { CommandContext } from './command-context.ts';
import type { ParsedText } from './parse-command.ts';

export interface Command {
  /** Stable kebab-case name (logs, tests). */
  name: string;
  /** How to say it, as shown in help (one line each). */
  usage: string[];
  /** One sentence on what it does. */
  summary: string;
  /** True when this command should handle the text. */
  matches(text: ParsedText): boolean;
  run(ctx: CommandContext): Promise<void>;
}

export interface CommandRegistry {
  readonly commands: readonly Command[];
  /** The first command whose `matches` accepts the text (registration order), or undefined. */
  find(text: ParsedText): Command | undefined;
  /** Plain-text help listing every command's usage and summary. */
  helpText(): string;
}

/** Builds a registry; throws at start on duplicate names. */
export function createCommandRegistry(commands: Command[]): CommandRegistry {
  const names = new Set<string>();
  for (const c of commands) {
    if (names.has(c.name)) throw new Error(`Duplicate command name: ${c.name}`);
    names.add(c.name);
  }
  const list = Object.freeze([...commands]);
  return {
    commands: list,
    find(text) {
      return list.find((c) => c.matches(text));
    },
    helpText() {
      const lines = ["Hi! I look after profile photos. Here's what I understand:"];
      for (const c of list) lines.push(`• ${c.usage.map((u) => `**${u}**`).join(' or ')}: ${c.summary}`);
      lines.push('In a group chat, mention me first; in a direct chat just type.');
      return lines.join('\n');
    },
  };
}
