/**
 * The console's front-end files: its own (static/) and the libraries it runs in the browser,
 * straight from node_modules (no CDN, no build step): Preact + hooks, htm, and Microsoft's
 * `adaptivecards` renderer with its stylesheet.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const dirOf = (specifier: string) => path.dirname(require.resolve(specifier));

/** URL path prefix of the console's static files. */
export const ASSETS_PREFIX = '/_emulator/console/assets';

const STATIC_DIR = path.join(import.meta.dirname, 'static');

/** Browser-visible name → file on disk, for the libraries. */
const VENDOR: Record<string, string> = {
  'preact.mjs': path.join(dirOf('preact'), 'preact.module.js'),
  'hooks.mjs': path.join(dirOf('preact/hooks'), 'hooks.module.js'),
  'htm.mjs': path.join(dirOf('htm'), 'htm.module.js'),
  'adaptivecards.js': path.join(dirOf('adaptivecards'), '..', 'dist', 'adaptivecards.min.js'),
  'adaptivecards.css': path.join(dirOf('adaptivecards'), '..', 'dist', 'adaptivecards.css'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The file behind `name` (e.g. `app.js`, `vendor/preact.mjs`) as `{bytes, type}`, or undefined
 * when there is none. Names with path separators other than the one `vendor/` are refused.
 */
export function consoleAsset(name: string): { bytes: Buffer; type: string } | undefined {
  let file: string | undefined;
  if (name.startsWith('vendor/')) file = VENDOR[name.slice('vendor/'.length)];
  else if (/^[a-z0-9-]+\.(html|js|css|svg)$/.test(name)) file = path.join(STATIC_DIR, name);
  if (!file || !fs.existsSync(file)) return undefined;
  return { bytes: fs.readFileSync(file), type: TYPES[path.extname(file)] ?? 'application/octet-stream' };
}
