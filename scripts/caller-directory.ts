/**
 * Paths given on a script's command line, against the directory the person ran `npm run` in:
 * npm runs scripts from the package root and records the caller's directory in INIT_CWD.
 */
import path from 'node:path';

/** `p` resolved against INIT_CWD (or the current directory when not run through npm). */
export function fromCallerDirectory(p: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
}
