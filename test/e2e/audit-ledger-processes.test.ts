/**
 * The audit run ledger across processes: two real processes (each its own SQLite connection to
 * one file) claim the same scheduled times at once, and each time is won exactly once.
 * Moved out of test/unit/audit/audit-store.test.ts because it spawns processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteAuditRunLedger } from '../../src/audit/audit-run-ledger.ts';

let dir: string;
const open: Database.Database[] = [];
function openDb(file: string): Database.Database {
  const db = new Database(file);
  open.push(db);
  return db;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-ledger-'));
});
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteAuditRunLedger across processes', () => {
  it('two processes claiming the same 300 times at once on one file: each time won exactly once', async () => {
    const file = path.join(dir, 'bot.sqlite');
    new SqliteAuditRunLedger(openDb(file)); // create the table first
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
    const runs = await new SqliteAuditRunLedger(openDb(file)).recentRuns(1000);
    expect(runs).toHaveLength(300);
  });
});
