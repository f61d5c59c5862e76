import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditSchedule,
  AuditScheduleConfigError,
  latestScheduledTime,
  scheduledTimesBetween,
  validateAuditSchedule,
  type AuditRunReason,
} from '../../../src/audit/audit-schedule.ts';
import { StoreAuditRunLedger } from '../../../src/audit/audit-run-ledger.ts';
import { openSqliteStoreForTest } from '../../helpers/temp-database.ts';

const NY = 'America/New_York';
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('validateAuditSchedule', () => {
  it('accepts the default and common settings', () => {
    expect(() => validateAuditSchedule('0 9 * * 1-5', 'UTC')).not.toThrow();
    expect(() => validateAuditSchedule('30 2 * * *', NY)).not.toThrow();
    expect(() => validateAuditSchedule('0 0 9 * * mon-fri', 'Europe/Berlin')).not.toThrow();
  });

  it.each([['every day at nine'], ['61 9 * * *'], ['0 9 * *'], ['']])('names AUDIT_CRON for %j', (expr) => {
    let error: unknown;
    try {
      validateAuditSchedule(expr, 'UTC');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuditScheduleConfigError);
    expect((error as AuditScheduleConfigError).setting).toBe('AUDIT_CRON');
    expect((error as Error).message).toContain(`AUDIT_CRON ${JSON.stringify(expr)}`);
    expect((error as Error).message).toContain('"0 9 * * 1-5"');
  });

  it('names AUDIT_CRON for an expression that never fires (31 February)', () => {
    expect(() => validateAuditSchedule('0 9 31 2 *', 'UTC')).toThrow(/AUDIT_CRON "0 9 31 2 \*"/);
  });

  it.each([['Mars/Olympus_Mons'], ['EST5EDT+1'], ['']])('names AUDIT_TIMEZONE for %j', (tz) => {
    expect(() => validateAuditSchedule('0 9 * * 1-5', tz)).toThrow(AuditScheduleConfigError);
    expect(() => validateAuditSchedule('0 9 * * 1-5', tz)).toThrow(/AUDIT_TIMEZONE .*IANA time zone.*"Europe\/Berlin"/);
  });
});

describe('scheduled times across daylight-saving changes (America/New_York)', () => {
  it('spring forward 2025-03-09: 02:30 does not exist; the run is once, at 03:00 EDT', () => {
    const times = scheduledTimesBetween('30 2 * * *', NY, new Date('2025-03-08T00:00:00Z'), new Date('2025-03-11T00:00:00Z'));
    expect(iso(times)).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT, first valid time after the gap
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('fall back 2025-11-02: 01:30 happens twice; the run is once, at the first', () => {
    const times = scheduledTimesBetween('30 1 * * *', NY, new Date('2025-11-01T00:00:00Z'), new Date('2025-11-04T00:00:00Z'));
    expect(iso(times)).toEqual(['2025-11-01T05:30:00.000Z', '2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });

  it('latestScheduledTime agrees with the forward list, and includes an exact hit', () => {
    expect(latestScheduledTime('30 2 * * *', NY, new Date('2025-03-09T12:00:00Z'))?.toISOString()).toBe('2025-03-09T07:00:00.000Z');
    expect(latestScheduledTime('30 1 * * *', NY, new Date('2025-11-02T12:00:00Z'))?.toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(latestScheduledTime('0 9 * * 1-5', 'UTC', new Date('2026-11-30T09:00:00Z'))?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    // Sunday: the latest weekday run is Friday's
    expect(latestScheduledTime('0 9 * * 1-5', 'UTC', new Date('2026-11-29T12:00:00Z'))?.toISOString()).toBe('2026-11-27T09:00:00.000Z');
  });
});

describe('AuditSchedule (node-cron on a fake clock)', () => {
  let dir: string;
  const stores: Array<{ close(): Promise<void> }> = [];
  const schedules: AuditSchedule[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'audit-schedule-'));
  });
  afterEach(async () => {
    for (const s of schedules.splice(0)) {
      const stopping = s.stop();
      // let an audit still waiting on a fake timer finish, so a failed test cannot hang here
      if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(2 * 3_600_000);
      await stopping;
    }
    vi.useRealTimers();
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ledger(file = path.join(dir, 'bot.sqlite')) {
    return new StoreAuditRunLedger((await openSqliteStoreForTest(file, stores)).audit);
  }

  interface Run {
    scheduledAt: string;
    reason: AuditRunReason;
    instance: string;
    startedAt: string;
  }

  function schedule(opts: {
    cron: string;
    timezone: string;
    ledger: StoreAuditRunLedger;
    runs: Run[];
    instanceId?: string;
    workMs?: number;
    fail?: boolean;
  }) {
    const instance = opts.instanceId ?? 'a';
    const s = new AuditSchedule({
      cron: opts.cron,
      timezone: opts.timezone,
      ledger: opts.ledger,
      instanceId: instance,
      run: async ({ scheduledAt, reason }) => {
        opts.runs.push({ scheduledAt: scheduledAt.toISOString(), reason, instance, startedAt: new Date().toISOString() });
        if (opts.workMs) await new Promise((resolve) => setTimeout(resolve, opts.workMs));
        if (opts.fail) throw new Error('listExtensionsPage failed');
      },
    });
    schedules.push(s);
    s.start();
    return s;
  }

  const HOUR = 3_600_000;

  it('spring-forward week: one run per day, the skipped 02:30 made up at 03:00 EDT', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-08T00:00:00Z') });
    const runs: Run[] = [];
    const s = schedule({ cron: '30 2 * * *', timezone: NY, ledger: await ledger(), runs });
    await vi.advanceTimersByTimeAsync(60 * HOUR); // to 2025-03-10T12:00Z
    await s.whenIdle();
    expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([
      ['2025-03-08T07:30:00.000Z', 'scheduled'],
      ['2025-03-09T07:00:00.000Z', 'make-up'],
      ['2025-03-10T06:30:00.000Z', 'scheduled'],
    ]);
    // the made-up run starts within a minute of 03:00 EDT
    const madeUp = runs[1]!;
    expect(Date.parse(madeUp.startedAt) - Date.parse(madeUp.scheduledAt)).toBeLessThanOrEqual(60_000);
  });

  it('fall-back day: 01:30 runs once, not twice', async () => {
    vi.useFakeTimers({ now: new Date('2025-11-01T12:00:00Z') });
    const runs: Run[] = [];
    const s = schedule({ cron: '30 1 * * *', timezone: NY, ledger: await ledger(), runs });
    await vi.advanceTimersByTimeAsync(48 * HOUR); // to 2025-11-03T12:00Z
    await s.whenIdle();
    expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([
      ['2025-11-02T05:30:00.000Z', 'scheduled'],
      ['2025-11-03T06:30:00.000Z', 'scheduled'],
    ]);
  });

  it('a run missed while the process was down is made up once at start, not replayed per missed day', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-25T10:00:00Z') });
    const l = await ledger();
    await l.claimRun(new Date('2026-11-25T09:00:00Z'), 'old');
    vi.setSystemTime(new Date('2026-11-28T10:00:00Z')); // down for three days
    const runs: Run[] = [];
    const s = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: l, runs });
    await vi.advanceTimersByTimeAsync(0);
    await s.whenIdle();
    expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([['2026-11-28T09:00:00.000Z', 'make-up']]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(22 * HOUR); // past 2026-11-29T09:00Z
    await s.whenIdle();
    expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([
      ['2026-11-28T09:00:00.000Z', 'make-up'],
      ['2026-11-29T09:00:00.000Z', 'scheduled'],
    ]);
  });

  it('does not make up times from before the first start (empty ledger)', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-28T10:00:00Z') });
    const runs: Run[] = [];
    const s = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: await ledger(), runs });
    await vi.advanceTimersByTimeAsync(HOUR);
    await s.whenIdle();
    expect(runs).toEqual([]);
  });

  it('a run node-cron misses because the event loop was blocked is made up once (field-bugs #19)', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T08:59:50Z') });
    const runs: Run[] = [];
    const l = await ledger();
    await l.claimRun(new Date('2026-11-27T09:00:00Z'), 'old');
    const s = schedule({ cron: '0 9 * * 1-5', timezone: 'UTC', ledger: l, runs });
    await vi.advanceTimersByTimeAsync(8_000); // 08:59:58
    // A large image decode blocks the event loop for 4.6 s: wall time moves, timers wait.
    vi.setSystemTime(new Date(Date.now() + 4_600));
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    await s.whenIdle();
    expect(runs.map((r) => [r.scheduledAt, r.reason])).toEqual([['2026-11-30T09:00:00.000Z', 'make-up']]);
    expect(Date.parse(runs[0]!.startedAt) - Date.parse('2026-11-30T09:00:00Z')).toBeLessThan(10_000);
  });

  it('two instances on one database file: exactly one run per scheduled time', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T12:00:00Z') });
    const file = path.join(dir, 'shared.sqlite');
    const runs: Run[] = [];
    const a = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: await ledger(file), runs, instanceId: 'a' });
    const b = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: await ledger(file), runs, instanceId: 'b' });
    await vi.advanceTimersByTimeAsync(72 * HOUR);
    await Promise.all([a.whenIdle(), b.whenIdle()]);
    expect(runs.map((r) => r.scheduledAt)).toEqual([
      '2026-11-30T09:00:00.000Z',
      '2026-12-01T09:00:00.000Z',
      '2026-12-02T09:00:00.000Z',
    ]);
    expect(await (await ledger(file)).recentRuns(10)).toHaveLength(3);
    expect(a.nextRun()?.toISOString()).toBe('2026-12-03T09:00:00.000Z');
    expect(b.nextRun()?.toISOString()).toBe('2026-12-03T09:00:00.000Z');
  });

  it('noOverlap: a run still going blocks the next; only the latest skipped time is made up after', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T08:55:00Z') });
    const runs: Run[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const s = new AuditSchedule({
      cron: '*/10 * * * *',
      timezone: 'UTC',
      ledger: await ledger(),
      instanceId: 'a',
      run: async ({ scheduledAt, reason }) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        runs.push({ scheduledAt: scheduledAt.toISOString(), reason, instance: 'a', startedAt: new Date().toISOString() });
        await new Promise((resolve) => setTimeout(resolve, 24 * 60_000)); // a 24-minute audit
        inFlight--;
      },
    });
    schedules.push(s);
    s.start();
    await vi.advanceTimersByTimeAsync(40 * 60_000); // to 09:35
    // 09:00 runs until 09:24; 09:10 and 09:20 come while it is busy; only the latest of
    // them (09:20) is made up, at the first check after 09:24.
    expect(runs.map((r) => [r.scheduledAt, r.reason, r.startedAt])).toEqual([
      ['2026-11-30T09:00:00.000Z', 'scheduled', '2026-11-30T09:00:00.000Z'],
      ['2026-11-30T09:20:00.000Z', 'make-up', '2026-11-30T09:24:30.000Z'],
    ]);
    expect(maxInFlight).toBe(1);
    const stopping = s.stop();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    await stopping;
    expect(runs).toHaveLength(2);
    expect(maxInFlight).toBe(1);
  });

  it('a failed run is recorded as failed and not retried', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T08:59:00Z') });
    const runs: Run[] = [];
    const l = await ledger();
    const s = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: l, runs, fail: true });
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    await s.whenIdle();
    expect(runs).toHaveLength(1);
    const [run] = await l.recentRuns(5);
    expect(run).toMatchObject({ outcome: 'failed', error: 'listExtensionsPage failed', instanceId: 'a' });
  });

  it('trigger(): a ledger error is logged as failed without running; a second trigger while running is busy', async () => {
    const errors: string[] = [];
    const broken = new AuditSchedule({
      cron: '0 9 * * *',
      timezone: 'UTC',
      instanceId: 'a',
      ledger: {
        claimRun: async () => {
          throw new Error('SQLITE_BUSY');
        },
        lastRun: async () => undefined,
        finishRun: async () => {},
        recentRuns: async () => [],
      },
      run: async () => {
        throw new Error('must not run');
      },
      logger: { info() {}, warn() {}, error: (_obj, msg) => void errors.push(String(msg)) },
    });
    expect(await broken.trigger(new Date('2026-11-30T09:00:00Z'), 'scheduled')).toBe('failed');
    expect(errors).toEqual(['could not claim the scheduled audit']);

    let release!: () => void;
    const l = await ledger();
    const s = new AuditSchedule({
      cron: '0 9 * * *',
      timezone: 'UTC',
      instanceId: 'a',
      ledger: l,
      run: () => new Promise<void>((resolve) => (release = resolve)),
    });
    const first = s.trigger(new Date('2026-11-30T09:00:00Z'), 'scheduled');
    expect(await s.trigger(new Date('2026-12-01T09:00:00Z'), 'make-up')).toBe('busy');
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    release();
    expect(await first).toBe('ran');
    expect((await l.recentRuns(5)).map((r) => [r.scheduledAt.toISOString(), r.outcome])).toEqual([['2026-11-30T09:00:00.000Z', 'ok']]);
  });

  it('stop() waits for the audit in flight and fires nothing after', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T08:59:59Z') });
    const runs: Run[] = [];
    const s = schedule({ cron: '0 9 * * *', timezone: 'UTC', ledger: await ledger(), runs, workMs: 5_000 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs).toHaveLength(1);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    await stopping;
    expect(stopped).toBe(true);
    expect(s.nextRun()).toBeNull();
    await vi.advanceTimersByTimeAsync(48 * HOUR);
    expect(runs).toHaveLength(1);
  });
});
