import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs `scripts/avatar.ts` (what `npm run avatar` runs) with `args` from the project root, as npm
 * does; `initCwd` is the directory npm was run in (INIT_CWD). Resolves with exit code and output. 60 s cap.
 */
export function runAvatarCli(args: string[], initCwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'scripts/avatar.ts'), ...args],
      { cwd: projectRoot, timeout: 60_000, env: { ...process.env, INIT_CWD: initCwd ?? projectRoot } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
