/** The WAL checkpoint thread runs while there is WAL to checkpoint, and only then. */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startWalCheckpointer, type WalCheckpointer } from '../../../src/store/wal-checkpointer.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { waitUntil } from '../../helpers/wait-until.ts';

describe('WAL checkpointer', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A WAL database with automatic checkpoints far away (only the thread checkpoints) and a checkpointer on it. */
  function setUp(): { db: Database.Database; file: string; checkpointer: WalCheckpointer } {
    const tmp = tempDatabase();
    cleanups.push(tmp.cleanup);
    const db = new Database(tmp.file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
    cleanups.push(() => void db.close());
    const checkpointer = startWalCheckpointer(tmp.file, { everyMs: 50, idleChecks: 2, watchEveryMs: 50 });
    cleanups.push(() => checkpointer.stop());
    return { db, file: tmp.file, checkpointer };
  }

  it('checkpoints the writes into the database file, then stops its thread while nothing is written', async () => {
    const { db, file, checkpointer } = setUp();
    expect(checkpointer.running).toBe(true);
    db.prepare('INSERT INTO notes VALUES (?)').run('first-note-in-the-file');
    await waitUntil(() => (checkpointer.running ? undefined : true), 'the thread to stop once the WAL is checkpointed');
    expect(fs.readFileSync(file).includes('first-note-in-the-file')).toBe(true);
  });

  it('starts the thread again when the WAL changes, and checkpoints that write too', async () => {
    const { db, file, checkpointer } = setUp();
    await waitUntil(() => (checkpointer.running ? undefined : true), 'the first idle stop');
    db.prepare('INSERT INTO notes VALUES (?)').run('a-note-after-the-idle-stop');
    // Only a restarted thread moves the row from the WAL into the file.
    await waitUntil(() => (fs.readFileSync(file).includes('a-note-after-the-idle-stop') ? true : undefined), 'the note in the database file');
    await waitUntil(() => (checkpointer.running ? undefined : true), 'the thread to stop again');
  });

  it('stop() runs a last checkpoint on a running thread and ends it', async () => {
    const { db, file, checkpointer } = setUp();
    db.prepare('INSERT INTO notes VALUES (?)').run('written-just-before-stop');
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    expect(fs.readFileSync(file).includes('written-just-before-stop')).toBe(true);
  });
});
