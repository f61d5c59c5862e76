// ESLint: a few type-aware promise rules, and the layer arrows of the architecture (DESIGN.md "Layers"; issue 8).
//
// The layer rules are `no-restricted-imports` regexes generated per folder depth, so they work on
// the import text alone (no resolver): a file at src/<layer>/<n folders>/x.ts reaches the top of
// src/ with n + 1 `../`. test/unit/lint/layer-rules.test.ts shows each rule failing and passing.
import tseslint from 'typescript-eslint';

/** Top-level names under src/ (folders, and the single files at the bottom of the picture). */
const TOP = ['app', 'server', 'events', 'commands', 'avatars', 'audit', 'users', 'platform', 'store', 'demo', 'emulator', 'main', 'config', 'logger', 'errors'];
const except = (...allowed) => TOP.filter((n) => !allowed.includes(n));

/**
 * What each part of src/ may not import (names from TOP). Read it as the layer picture:
 * app → server → events → commands → avatars/audit/users → platform/store → config/logger/errors.
 */
const FORBIDDEN = {
  app: ['demo', 'emulator', 'main'],
  server: ['app', 'commands', 'audit', 'users', 'avatars', 'demo', 'emulator', 'main'],
  events: ['app', 'server', 'demo', 'emulator', 'main'],
  commands: ['app', 'server', 'events', 'demo', 'emulator', 'main'],
  avatars: ['app', 'server', 'events', 'commands', 'demo', 'emulator', 'main'],
  audit: ['app', 'server', 'events', 'commands', 'demo', 'emulator', 'main'],
  users: ['app', 'server', 'events', 'commands', 'demo', 'emulator', 'main'],
  platform: except('platform', 'store', 'config', 'logger', 'errors'),
  store: except('platform', 'store', 'config', 'logger', 'errors'),
  demo: ['main'],
};
/** Single files directly in src/ (depth 0). */
const FORBIDDEN_ROOT = {
  config: except('config', 'errors'),
  logger: except('logger', 'config', 'errors'),
  errors: except('errors'),
  main: ['emulator'],
};

const MAX_DEPTH = 4;
const up = (n) => `(\\.\\./){${n}}`;
const names = (list) => `(${list.join('|')})(/|\\.ts$)`;
const layerRule = (level, patterns) => ['no-restricted-imports', [level, { patterns }]];

function layerConfigs() {
  const out = [];
  for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      out.push({
        name: `layers/${layer}/depth-${depth}`,
        files: [`src/${layer}/${'*/'.repeat(depth - 1)}*.ts`],
        rules: Object.fromEntries([layerRule('error', [{ regex: `^${up(depth)}${names(forbidden)}`, message: `src/${layer}/ may not import ${forbidden.join(', ')} (see DESIGN.md, "Layers").` }])]),
      });
    }
  }
  // The emulator is a separate program: nothing that leaves src/emulator/.
  for (let depth = 1; depth <= MAX_DEPTH; depth++) {
    out.push({
      name: `layers/emulator/depth-${depth}`,
      files: [`src/emulator/${'*/'.repeat(depth - 1)}*.ts`],
      rules: Object.fromEntries([layerRule('error', [{ regex: `^${up(depth)}`, message: 'The emulator imports nothing from the rest of the project (see DESIGN.md).' }])]),
    });
  }
  for (const [file, forbidden] of Object.entries(FORBIDDEN_ROOT)) {
    out.push({
      name: `layers/${file}.ts`,
      files: [`src/${file}.ts`],
      rules: Object.fromEntries([layerRule('error', [{ regex: `^\\./${names(forbidden)}`, message: `src/${file}.ts may not import ${forbidden.join(', ')} (see DESIGN.md, "Layers").` }])]),
    });
  }
  // Known offenders keep their layer's patterns (a severity alone keeps earlier options) but warn.
  return out;
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    name: 'typescript/promises',
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  ...layerConfigs(),
  {
    // Unit tests spawn no processes (npm run test:unit stays fast); those tests live in test/e2e/.
    name: 'tests/unit-spawns-nothing',
    files: ['test/unit/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['node:child_process', 'child_process'].map((name) => ({ name, message: 'A test that spawns processes belongs in test/e2e/.' })) }],
    },
  },
);
