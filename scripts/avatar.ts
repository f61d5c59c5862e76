/**
 * One image through the avatar pipeline.
 *
 *   npm run avatar -- <file> [--out <path>] [--engine auto|jimp|sharp] [--size <px>] [--format jpeg|png] [--fit crop|pad]
 *
 * Prints exactly one JSON line on stdout:
 *   {"ok":true,"contentType":"image/jpeg","width":1024,"height":1024,"bytes":51234,"engine":"jimp","ms":812,"warnings":[]}
 *   {"ok":false,"error":{"kind":"corrupt","message":"…"}}
 * Exit code 0 for both (a refused file is a normal answer), 2 for bad arguments, an
 * unreadable file path or an unwritable --out path (nothing on stdout then), 1 when the
 * pipeline itself fails (worker crash, busy workers, sharp missing).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fromCallerDirectory } from './caller-directory.ts';
import { AVATAR_DEFAULTS, AvatarError, closeAvatarWorkers, processAvatar, type AvatarOptions } from '../src/avatars/index.ts';

const USAGE =
  'usage: npm run avatar -- <file> [--out <path>] [--engine auto|jimp|sharp] [--size <px>] [--format jpeg|png] [--fit crop|pad]';

const HELP = `${USAGE}

Runs one image file through the bot's avatar pipeline and prints one JSON line on stdout.
  --out <path>     write the profile image there (without it nothing is written: a dry run)
  --engine         auto (default: sharp when installed, else jimp), jimp or sharp
  --size <px>      side of the square, 16 to 2048 (default ${AVATAR_DEFAULTS.size})
  --format         jpeg (default; transparency flattened onto white) or png (transparency kept)
  --fit            crop (default: centre square) or pad (whole picture on a square background)
Relative paths are from the directory you ran npm in.
Exit codes: 0 for an accepted image and for a refused one (a refusal is a normal answer),
2 for bad arguments or an unreadable/unwritable path, 1 when the pipeline itself fails.`;

function badArguments(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) badArguments(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** Parse argv (without node and script), run the pipeline, print one JSON line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        engine: { type: 'string' },
        size: { type: 'string' },
        format: { type: 'string' },
        fit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    badArguments(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) badArguments(positionals.length === 0 ? 'missing <file>' : 'give exactly one <file>');
  const file = fromCallerDirectory(positionals[0] as string);
  const out = values.out === undefined ? undefined : fromCallerDirectory(values.out);

  const options: AvatarOptions = {};
  const engine = oneOf('engine', values.engine, ['auto', 'jimp', 'sharp'] as const);
  if (engine) options.engine = engine;
  const format = oneOf('format', values.format, ['jpeg', 'png'] as const);
  if (format) options.format = format;
  const fit = oneOf('fit', values.fit, ['crop', 'pad'] as const);
  if (fit) options.fit = fit;
  if (values.size !== undefined) {
    const size = Number(values.size);
    if (!Number.isInteger(size) || size < 16 || size > 2048) badArguments('--size must be an integer from 16 to 2048');
    options.size = size;
  }

  let input: Buffer;
  try {
    input = await readFile(file);
  } catch (error) {
    badArguments(`can't read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }

  const started = performance.now();
  try {
    const result = await processAvatar(input, options);
    const ms = Math.round(performance.now() - started);
    if (out !== undefined) {
      try {
        await writeFile(out, result.bytes);
      } catch (error) {
        // The photo was fine; the --out path wasn't (a directory, a missing folder, no permission).
        process.stderr.write(`can't write ${out}: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
        return 2;
      }
    }
    process.stdout.write(
      `${JSON.stringify({
        ok: true,
        contentType: result.contentType,
        width: result.width,
        height: result.height,
        bytes: result.bytes.length,
        engine: result.engine,
        ms,
        warnings: result.warnings,
      })}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof AvatarError) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: { kind: error.kind, message: error.message } })}\n`);
      return 0;
    }
    process.stderr.write(`avatar pipeline failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await closeAvatarWorkers();
  }
}

process.exitCode = await main(process.argv.slice(2));
