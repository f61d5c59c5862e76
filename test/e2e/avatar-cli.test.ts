/**
 * `npm run avatar` as a person runs it: a real child process under tsx (which also proves
 * the image worker loads outside vitest), one JSON line on stdout, the documented exit codes,
 * also on files that are barely files (each once broke the one-JSON-line contract).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageSize } from 'image-size';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBomb, quadrants, toJpeg } from '../images/make-images.ts';
import { runAvatarCli } from '../helpers/run-avatar-cli.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avatar-cli-'));
  await writeFile(join(dir, 'photo.jpg'), await toJpeg(quadrants(900, 600)));
  await writeFile(join(dir, 'bomb.png'), pngBomb(65_536, 65_536));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run avatar', () => {
  it('prints one JSON line for an accepted photo and writes --out (jimp engine)', async () => {
    const out = join(dir, 'avatar.jpg');
    const { code, stdout } = await runAvatarCli([join(dir, 'photo.jpg'), '--out', out, '--engine', 'jimp']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ ok: true, contentType: 'image/jpeg', width: 600, height: 600, engine: 'jimp' });
    expect(line.ms).toBeTypeOf('number');
    const written = await readFile(out);
    expect(line.bytes).toBe(written.length);
    expect(imageSize(written)).toMatchObject({ width: 600, height: 600, type: 'jpg' });
  });

  it('reads and writes relative paths from the directory npm was run in', async () => {
    const { code, stdout } = await runAvatarCli(['photo.jpg', '--out', 'relative-out.jpg', '--engine', 'jimp'], dir);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ ok: true, width: 600 });
    expect(imageSize(await readFile(join(dir, 'relative-out.jpg')))).toMatchObject({ width: 600, height: 600 });
  });

  it('prints the refusal as JSON and exits 0', async () => {
    const { code, stdout } = await runAvatarCli([join(dir, 'bomb.png')]);
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim());
    expect(line.ok).toBe(false);
    expect(line.error.kind).toBe('too-large');
    expect(line.error.message).toMatch(/65536×65536/);
  });

  it('exits 2 on bad arguments', async () => {
    expect((await runAvatarCli([])).code).toBe(2);
    expect((await runAvatarCli([join(dir, 'photo.jpg'), '--engine', 'magick'])).code).toBe(2);
    expect((await runAvatarCli([join(dir, 'missing.jpg')])).code).toBe(2);
  });
});

describe('npm run avatar on files that are barely files', () => {
  it('prints exactly one JSON line on stdout and exits 0, whatever the decoder prints', async () => {
    const files: Record<string, Buffer> = {
      'empty.jpg': Buffer.alloc(0),
      'soi-only.jpg': Buffer.from([0xff, 0xd8]),
      'soi-marker.jpg': Buffer.from([0xff, 0xd8, 0xff]),
      'cut-short.gif': cutShortGif(),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const runs = await Promise.all(
      Object.keys(files).map(async (name) => ({ name, ...(await runAvatarCli([join(dir, name), '--engine', 'jimp', '--size', '64'])) })),
    );
    for (const run of runs) {
      expect(run.code, run.name).toBe(0);
      const lines = run.stdout.split('\n').filter((l) => l !== '');
      expect(lines, `${run.name} stdout: ${run.stdout}`).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as { ok: boolean; error?: { kind: string } };
      if (run.name !== 'cut-short.gif') {
        expect(line.ok, run.name).toBe(false);
        expect(['not-an-image', 'corrupt']).toContain(line.error!.kind);
      }
    }
  });

  it('an --out path that cannot be written is a bad argument (exit 2, nothing on stdout), not a pipeline failure', async () => {
    await writeFile(join(dir, 'small.jpg'), await toJpeg(quadrants(64, 48)));
    const run = await runAvatarCli([join(dir, 'small.jpg'), '--engine', 'jimp', '--size', '64', '--out', join(dir, 'no-such-folder', 'a.jpg')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/can't write/);
  });

  it('a directory in place of the file is a bad argument (exit 2, nothing on stdout)', async () => {
    const sub = join(dir, 'a-directory');
    await mkdir(sub, { recursive: true });
    const run = await runAvatarCli([sub]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/can't read/);
  });
});

/** A GIF89a declaring 5000×5000 whose one frame has a 2-byte LZW stream: jimp's decoder prints a warning for it. */
function cutShortGif(): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(5000, 0);
  screen.writeUInt16LE(5000, 2);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(5000, 5);
  descriptor.writeUInt16LE(5000, 7);
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, descriptor, Buffer.from([2, 2, 0x44, 0x01, 0, 0x3b])]);
}
