/**
 * Spawns a command the way a person or a Procfile would, collects its output lines, and waits
 * for lines. The child gets its own process group so cleanup reaches npm's children too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface SpawnedProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (already seen or upcoming) matching; rejects on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves when every holder of the output pipes (grandchildren too) has closed them. */
  closed: Promise<void>;
  /** Sends a signal to the whole process group. */
  signal(sig: NodeJS.Signals): void;
  /** Sends a signal to the spawned process only (npm forwards it to the script). */
  signalMain(sig: NodeJS.Signals): void;
}

export function spawnProcess(command: string, args: string[], o: { cwd: string; env: Record<string, string | undefined> }): SpawnedProcess {
  const child = spawn(command, args, { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  const waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  const onData = (buf: Buffer, carry: { rest: string }) => {
    const parts = (carry.rest + buf.toString('utf8')).split('\n');
    carry.rest = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters]) if (w.match(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  child.stdout!.on('data', (b: Buffer) => onData(b, out));
  child.stderr!.on('data', (b: Buffer) => onData(b, err));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    lines,
    exited,
    closed,
    waitForLine(match, timeoutMs = 20_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
        void exited.then((code) => {
          clearTimeout(t);
          reject(new Error(`process exited (${code}) before a matching line; output:\n${lines.slice(-30).join('\n')}`));
        });
      });
    },
    signalMain(sig) {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    signal(sig) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, sig);
        } catch {
          // the group is already gone
        }
      }
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
