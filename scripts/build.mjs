// `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json rewrites the `.ts`
// import specifiers to `.js`), then copies every file under src/ that tsc does not emit (the
// image worker entry avatar-worker.mjs, static files) to the same place under dist/.
// `node dist/main.js` then starts the bot without a TypeScript loader in between.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'src');
const to = path.join(root, 'dist');

fs.rmSync(to, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  process.stderr.write('The build failed: tsc reported the errors above.\n');
  process.exit(1);
}
let copied = 0;
fs.cpSync(from, to, {
  recursive: true,
  filter: (source) => {
    if (fs.statSync(source).isDirectory()) return true;
    const keep = !source.endsWith('.ts');
    if (keep) copied++;
    return keep;
  },
});
process.stdout.write(`built dist/ (and copied ${copied} non-TypeScript file(s) from src/)\n`);
