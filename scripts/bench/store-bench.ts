/**
 * `npm run bench -- store`: the inbox on SQLite (a temp file) and PostgreSQL (a temp database
 * on TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; skipped with a line
 * on stderr when unreachable). Measures accepts per second (sequential, each committed, as the
 * webhook does), then claim + done per second with 1 and 4 concurrent workers over the same
 * rows. Prints one JSON line per measurement. STORE_BENCH_EVENTS sets the count (default 2000).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

const EVENTS = Number(process.env.STORE_BENCH_EVENTS ?? 2000);
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

function payload(i: number) {
  return {
    uuid: `u${i}`,
    event: '/team-messaging/v1/posts',
    timestamp: new Date().toISOString(),
    subscriptionId: 'bench',
    body: { id: String(1e9 + i), groupId: String(i % 50), creatorId: String(i % 200), eventType: 'PostAdded', text: 'help' },
  };
}

async function bench(database: string, url: string): Promise<void> {
  const store = await openStore(url, { instanceId: 'bench' });
  try {
    let t = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      await store.inbox.accept({ uuid: `u${i}`, source: 'webhook', payload: payload(i), identityKey: `post:PostAdded:${1e9 + i}`, fairKey: `${i % 50}:${i % 200}` }, Date.now());
    }
    let s = (performance.now() - t) / 1000;
    console.log(JSON.stringify({ bench: 'store', database, op: 'accept', events: EVENTS, seconds: +s.toFixed(3), perSecond: Math.round(EVENTS / s) }));

    const half = Math.floor(EVENTS / 2);
    for (const workers of [1, 4]) {
      const goal = workers === 1 ? half : EVENTS - half;
      let done = 0;
      t = performance.now();
      const worker = async (s: Store) => {
        while (done < goal) {
          const e = await s.inbox.claimNext(Date.now(), 'light');
          if (!e) break;
          done++;
          await s.inbox.markDone(e.uuid, Date.now());
        }
      };
      await Promise.all(Array.from({ length: workers }, () => worker(store)));
      s = (performance.now() - t) / 1000;
      console.log(JSON.stringify({ bench: 'store', database, op: 'claim+done', workers, events: done, seconds: +s.toFixed(3), perSecond: Math.round(done / s) }));
    }
  } finally {
    await store.close();
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
try {
  await bench('sqlite', `file:${path.join(dir, 'bench.sqlite')}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
let reachable = true;
try {
  await admin.connect();
} catch (e) {
  reachable = false;
  console.error(`store bench: PostgreSQL skipped, ${TEST_DATABASE_URL} unreachable (${e instanceof Error ? e.message : String(e)})`);
}
if (reachable) {
  const name = `bench_${crypto.randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    await bench('postgres', url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
