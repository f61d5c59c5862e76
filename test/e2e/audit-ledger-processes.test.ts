/**
 * The audit run ledger across processes: two real processes (each its own store connection to
 * one SQLite file) claim the same scheduled times at once, and each time is won exactly once.
 * Moved out of test/unit/audit/audit-store.test.ts because it spawns processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreAuditRunLedger } from '../../src/audit/audit-run-ledger.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

let dir: string;
const open: Store[] = [];
async function openDb(file: string): Promise<Store> {
  const store = await openStore(`file:${file}`);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-ledger-'));
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StoreAuditRunLedger across processes', () => {
  it('two processes claiming the same 300 times at once on one file: each time won exactly once', async () => {
    const file = path.join(dir, 'bot.sqlite');
    await openDb(file); // create the tables first
    const claimer = fileURLToPath(new URL('./audit-ledger-claimer.ts', import.meta.url));
    const startAt = Date.now() + 3_000;
    const runClaimer = (instanceId: string) =>
      new Promise<number[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), claimer, file, instanceId, String(startAt), '300']);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`claimer ${code}: ${err}`))));
      });
    const [a, b] = await Promise.all([runClaimer('process-a'), runClaimer('process-b')]);
    expect(a.length + b.length).toBe(300);
    expect(new Set([...a, ...b]).size).toBe(300);
    const runs = await new StoreAuditRunLedger((await openDb(file)).audit).recentRuns(1000);
    expect(runs).toHaveLength(300);
  });
});
