/**
 * `npm run bench`: runs every benchmark script in this folder one after another, each in its own
 * process (so peak memory is per benchmark), passing their JSON lines through to stdout.
 * `npm run bench -- avatar audit` runs only the named ones.
 * Exits non-zero if any benchmark fails.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The benchmarks, `<name>-bench.ts` in this folder, with what each measures. */
const BENCHES: Record<string, string> = {
  avatar: 'the photo pipeline per engine at 1, 12 and 36 MP: time, peak RSS, event-loop delay',
  emulator: 'the emulator seeding 100,000 extensions and listing them in pages of 1000',
  audit: 'the audit against the one-request-per-person audit: API calls, 429s, wall time, memory',
  webhook: 'POST /webhook against its floors (bare koa, koa + INSERT): rate sweeps, photos under load, /health counts, start and RSS',
  store: 'the inbox directly (accept, claim + done), then real bots at 200 deliveries/s: answer p50/p99, accepted/s (SQLite 1, PostgreSQL 1 and 3 instances)',
  demo: "demo mode (npm start): the bot's event-loop delay from /health while people set big photos through sign-in",
};
const all = Object.keys(BENCHES);
const USAGE = `Usage: npm run bench [-- <name>...]

Runs the benchmarks one after another, each in its own process, and prints their JSON lines
(settings: docs/settings.md; results: docs/performance.md). With no name all of them run.
${all.map((n) => `  ${n.padEnd(9)}${BENCHES[n]}`).join('\n')}
`;

let wanted: string[];
try {
  const args = parseArgs({ options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true });
  if (args.values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  wanted = args.positionals;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const unknown = wanted.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark: ${unknown.join(', ')}\n${USAGE}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : all;

let failed = 0;
for (const name of names) {
  const file = path.join(here, `${name}-bench.ts`);
  if (!existsSync(file)) {
    console.error(`bench: no ${name}-bench.ts in ${here}`);
    failed += 1;
    continue;
  }
  console.error(`bench: ${name}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', file], { stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    console.error(`bench: ${name} exited with ${code}`);
    failed += 1;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
