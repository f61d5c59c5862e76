/**
 * The layer arrows in eslint.config.js (DESIGN.md, "Layers"): each rule reports a deliberate
 * violation and stays quiet on a legal import. Runs ESLint's Node API on in-memory files placed
 * at the paths the rules look at (lintText with filePath), without type information, so only the
 * import rules are exercised. The files eslint.config.js still lets off with a warning
 * (KNOWN_LAYER_VIOLATIONS) are checked at full strength here: a severity alone keeps each file's
 * patterns.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/await-thenable': 'off',
      'no-restricted-imports': 'error',
    },
  },
});

/** The layer-rule messages ESLint gives for `import … from '<spec>'` in a file at `file` (relative to the project root). */
async function layerErrors(file: string, spec: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { probe } from '${spec}';\nexport const used = probe;\n`, { filePath: path.join(root, file) });
  expect(result).toBeDefined();
  expect(result!.fatalErrorCount).toBe(0);
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2).map((m) => m.message);
}

// [file that imports, what it imports, why]
const violations: Array<[string, string, string]> = [
  ['src/platform/layer-probe.ts', '../commands/help.ts', 'platform/ imports nothing above it'],
  ['src/platform/layer-probe.ts', '../users/user-authorization.ts', 'platform/ imports nothing above it'],
  ['src/store/layer-probe.ts', '../audit/run-audit.ts', 'store/ imports nothing above it'],
  ['src/store/postgres/layer-probe.ts', '../../events/handle-event.ts', 'store/ imports nothing above it, from a sub-folder too'],
  ['src/config.ts', './audit/audit-schedule.ts', 'config.ts imports no layer'],
  ['src/config.ts', './platform/hosts.ts', 'config.ts imports no layer'],
  ['src/server/layer-probe.ts', '../commands/index.ts', 'server/ is transport only'],
  ['src/server/layer-probe.ts', '../audit/bot-audit.ts', 'server/ is transport only'],
  ['src/server/layer-probe.ts', '../users/token-cipher.ts', 'server/ is transport only'],
  ['src/server/layer-probe.ts', '../avatars/index.ts', 'server/ is transport only'],
  ['src/events/layer-probe.ts', '../server/create-app.ts', 'events/ does not import server/'],
  ['src/commands/layer-probe.ts', '../server/create-app.ts', 'commands/ do not import server/'],
  ['src/commands/layer-probe.ts', '../events/post-added-event.ts', 'commands/ do not import events/'],
  ['src/commands/audit/layer-probe.ts', '../../events/post-added-event.ts', 'commands/ do not import events/, from a sub-folder too'],
  ['src/audit/layer-probe.ts', '../commands/help.ts', 'the work layers do not import commands/'],
  ['src/emulator/layer-probe.ts', '../config.ts', 'the emulator imports nothing from the bot'],
  ['src/emulator/layer-probe.ts', '../platform/hosts.ts', 'the emulator imports nothing from the bot'],
  ['src/emulator/platform/layer-probe.ts', '../../logger.ts', 'the emulator imports nothing from the bot, from a room too'],
  ['src/emulator/messaging/cards/layer-probe.ts', '../../../errors.ts', 'the emulator imports nothing from the bot, two rooms deep'],
  ['src/server/layer-probe.ts', '../emulator/create-emulator.ts', 'only the demo imports the emulator'],
  ['src/events/layer-probe.ts', '../emulator/create-emulator.ts', 'only the demo imports the emulator'],
  ['src/main.ts', './emulator/create-emulator.ts', 'only the demo imports the emulator'],
  ['src/app/layer-probe.ts', '../emulator/create-emulator.ts', 'app/ may not import the emulator'],
  ['src/app/layer-probe.ts', '../demo/start-demo.ts', 'app/ may not import the demo'],
  ['test/unit/layer-probe.test.ts', 'node:child_process', 'unit tests spawn no processes'],
];

const legal: Array<[string, string, string]> = [
  ['src/platform/layer-probe.ts', './ringcentral-client.ts', 'inside platform/'],
  ['src/platform/layer-probe.ts', '../errors.ts', 'platform/ → errors.ts'],
  ['src/store/layer-probe.ts', '../config.ts', 'store/ → config.ts'],
  ['src/store/postgres/layer-probe.ts', '../migrations.ts', 'inside store/'],
  ['src/config.ts', './errors.ts', 'config.ts → errors.ts'],
  ['src/server/layer-probe.ts', '../events/create-dispatcher.ts', 'server/ → events/'],
  ['src/server/layer-probe.ts', '../platform/hosts.ts', 'server/ → platform/'],
  ['src/events/layer-probe.ts', '../commands/command-registry.ts', 'events/ → commands/'],
  ['src/commands/layer-probe.ts', '../avatars/index.ts', 'commands/ → avatars/'],
  ['src/commands/audit/layer-probe.ts', '../../audit/bot-audit.ts', 'commands/ → audit/, from a sub-folder'],
  ['src/emulator/layer-probe.ts', './emulator-state.ts', 'inside the emulator'],
  ['src/emulator/platform/layer-probe.ts', '../messaging/messaging-api.ts', 'one emulator room → another'],
  ['src/demo/layer-probe.ts', '../emulator/create-emulator.ts', 'the demo imports the emulator'],
  ['src/app/layer-probe.ts', '../server/create-app.ts', 'app/ wires every layer'],
  ['src/app/layer-probe.ts', '../commands/index.ts', 'app/ wires every layer'],
  ['src/main.ts', './demo/start-demo.ts', 'main.ts starts demo mode'],
  ['scripts/layer-probe.ts', '../src/emulator/create-emulator.ts', 'scripts may use the emulator'],
  ['test/unit/layer-probe.test.ts', '../../src/emulator/create-emulator.ts', 'tests may use the emulator'],
  ['test/e2e/layer-probe.test.ts', 'node:child_process', 'end-to-end tests may spawn processes'],
];

describe('layer rules', () => {
  it.each(violations)('%s importing %s fails (%s)', async (file, spec) => {
    const errors = await layerErrors(file, spec);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^'${spec}' import is restricted`));
  });

  it.each(legal)('%s importing %s passes (%s)', async (file, spec) => {
    expect(await layerErrors(file, spec)).toEqual([]);
  });
});
