/**
 * A requested audit as a durable job over two stores on one database (one SQLite file, one
 * PostgreSQL database): the request returns at once, progress is in the store, and a job whose
 * instance died is taken over by another and started again from the first page, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditJobRunner } from '../../../src/audit/audit-job-runner.ts';
import type { AuditProgress } from '../../../src/audit/audit-types.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { AuditJobRow, Store } from '../../../src/store/store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';
import { postgresForTests, tempPostgresDatabase } from '../../helpers/temp-postgres.ts';
import { waitUntil } from '../../helpers/wait-until.ts';

const havePostgres = await postgresForTests();
const silent = { info() {}, warn() {}, error() {} };
const backends = [
  { name: 'one SQLite file', skip: false, url: (): Promise<{ url: string; cleanup: () => Promise<void> | void }> => Promise.resolve(tempDatabase()) },
  { name: 'one PostgreSQL database', skip: !havePostgres, url: () => tempPostgresDatabase() },
];

type Run = (job: AuditJobRow, onPage: (p: AuditProgress) => void) => Promise<void>;

for (const backend of backends) {
  describe.skipIf(backend.skip)(`audit jobs over two stores on ${backend.name}`, () => {
    let db: { url: string; cleanup: () => Promise<void> | void };
    const stores: Store[] = [];
    const runners: AuditJobRunner[] = [];
    beforeEach(async () => {
      db = await backend.url();
    });
    afterEach(async () => {
      for (const r of runners.splice(0)) await r.stop();
      for (const s of stores.splice(0)) await s.close();
      await db.cleanup();
    });

    async function runner(instanceId: string, run: Run, posts: string[], track = true) {
      const store = await openStore(db.url, { instanceId });
      stores.push(store);
      const r = new AuditJobRunner({
        jobs: store.auditJobs,
        instanceId,
        run,
        postText: (chatId, text) => (posts.push(`${chatId}: ${text}`), Promise.resolve()),
        logger: silent,
        leaseMs: 300,
        pollMs: 50,
      });
      if (track) runners.push(r);
      return { r, store };
    }

    it('returns at once; progress is stored; a dead instance’s job is started again by another and finished once', async () => {
      const posts: string[] = [];
      const runs: Array<{ instance: string; attempt: number }> = [];
      // Instance A pages three times, then dies (its audit never ends, its lease is not renewed).
      const a = await runner(
        'a',
        (job, onPage) => {
          runs.push({ instance: 'a', attempt: job.attempts });
          for (let page = 1; page <= 3; page++) onPage({ page, totalPages: 100, checked: page * 1000, total: 100_000 });
          return new Promise<void>(() => {});
        },
        posts,
        false,
      );
      const { created, job } = await a.r.enqueue('chat-1', 'admin-1');
      expect(created).toBe(true);
      expect((await a.r.enqueue('chat-1', 'admin-2')).created).toBe(false);
      a.r.start();
      const progress = await waitUntil(async () => {
        const row = await a.store.auditJobs.get(job.id);
        return row?.pagesDone === 3 ? row : undefined;
      }, 'progress in the store');
      expect(progress).toMatchObject({ status: 'running', owner: 'a', pagesTotal: 100, extensionsDone: 3000 });
      // Simulate A's death: its renewals stop (the interval is A's; stopping A's loop cannot end the hung run).
      await a.store.close();
      stores.splice(stores.indexOf(a.store), 1);

      const b = await runner('b', (j, onPage) => {
        runs.push({ instance: 'b', attempt: j.attempts });
        onPage({ page: 1, totalPages: 1, checked: 10 });
        return Promise.resolve();
      }, posts);
      b.r.start();
      const done = await waitUntil(async () => {
        const row = await b.store.auditJobs.get(job.id);
        return row?.status === 'done' ? row : undefined;
      }, 'the job done by b');
      expect(done.owner).toBe('b');
      expect(runs).toEqual([
        { instance: 'a', attempt: 1 },
        { instance: 'b', attempt: 2 },
      ]);
      expect(posts).toEqual([]);
      // A new request for the chat is a new job now.
      expect((await b.r.enqueue('chat-1', 'admin-1')).created).toBe(true);
    });

    it('a failing audit is recorded and the chat told once', async () => {
      const posts: string[] = [];
      const b = await runner('b', () => Promise.reject(new Error('CMN-301')), posts);
      const { job } = await b.r.enqueue('chat-2', 'admin-1');
      b.r.start();
      const failed = await waitUntil(async () => {
        const row = await b.store.auditJobs.get(job.id);
        return row?.status === 'failed' ? row : undefined;
      }, 'the job failed');
      expect(failed.error).toBe('CMN-301');
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatch(/^chat-2: Sorry, the audit could not finish/);
    });
  });
}
