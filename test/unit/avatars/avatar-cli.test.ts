/**
 * `npm run avatar` as a person runs it: a real child process under tsx (which also proves
 * the image worker loads outside vitest), one JSON line on stdout, the documented exit codes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageSize } from 'image-size';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBomb, quadrants, toJpeg } from './make-images.ts';
import { runAvatarCli } from './run-avatar-cli.ts';

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
