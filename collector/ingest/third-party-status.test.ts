import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { toStatusParams } from '../config.ts';
import { evaluateStatus } from '../status/engine.ts';
import { formatStatusTable } from '../status/format.ts';
import { openStore, type Db } from '../store/db.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { ingestBatch } from './batch.ts';
import { ingestContext } from './classify.ts';
import { tempDir, testConfig } from './testing.ts';
import { createLogger } from '../../core/log.ts';
import { historyCommand } from '../commands/history.ts';

/** Third-party notifications, from the mailbox to the status engine: mapping, trust, schedules, several a day. */
const fixtures = join(import.meta.dirname, '../thirdparty/duplicati/fixtures');
const success = readFileSync(join(fixtures, 'text-success-epoch-2.0.4.5.eml'), 'utf8');
const failed = readFileSync(join(fixtures, 'text-fatal-missing-remote-files-2.0.4.5.eml'), 'utf8');

/** A fixture re-dated and re-addressed: the epochs in the body are replaced so that the run starts at `at`. */
function mail(raw: string, at: Date, to = 'backups+acme@example.com'): Buffer {
  const epoch = Math.floor(at.getTime() / 1000);
  return Buffer.from(
    raw
      .replace(/^From: .*$/m, 'From: Duplicati <duplicati@nas.example>')
      .replace(/^To: .*$/m, `To: ${to}`)
      .replace(/^Date: .*$/m, `Date: ${at.toUTCString()}`)
      .replace(/^Message-ID: .*$/m, `Message-ID: <${randomUUID()}@nas.example>`)
      .replace(/\((\d{10})\)/g, (_, e: string) => `(${Number(e) - 1550384631 + epoch})`),
  );
}

describe('third-party jobs in status', () => {
  let dir: string;
  let cleanup: () => void;
  let db: Db;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    db = openStore(':memory:');
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  const setup = (rule: Record<string, unknown>) => {
    const cfg = testConfig(dir, [], { thirdParty: { rules: [{ name: 'nas', from: '/@nas\\.example$/', parser: 'duplicati', site: 'nas', ...rule }] } });
    const clock = new FakeClock('2026-11-20T12:00:00Z');
    const ctx = ingestContext(cfg, { source: 'test', clock });
    let n = 0;
    const ingest = (raws: Buffer[]) => ingestBatch(db, raws.map((raw) => ({ id: String(++n), raw, receivedAt: clock.now() })), ctx);
    const status = (now: string) => evaluateStatus(loadStatusFacts(db, cfg), toStatusParams(cfg), new Date(now));
    return { cfg, ingest, status };
  };

  it('files a mapped notification under its client and marks it unsigned in the status table', async () => {
    const { ingest, status } = setup({});
    await ingest([mail(success, new Date('2026-11-20T02:00:00Z'))]);
    const report = status('2026-11-20T09:00:00Z');
    expect(report.jobs).toHaveLength(1);
    expect(report.jobs[0]).toMatchObject({ clientId: 'acme', siteId: 'nas', jobId: 'testing', state: 'ok', source: 'third-party', dueFrom: null });
    expect(formatStatusTable(report, { now: new Date('2026-11-20T09:00:00Z'), timeZone: 'UTC' })).toMatch(/acme\s+nas\s+testing\s+OK .*unsigned: from the tool's own notification email/);
  });

  it('makes a job whose mails stopped missing after its configured schedule and grace', async () => {
    const { ingest, status } = setup({ schedule: { cron: '0 2 * * *', timeZone: 'UTC', graceMinutes: 60 } });
    await ingest([mail(success, new Date('2026-11-20T02:00:00Z'))]);
    expect(status('2026-11-21T02:30:00Z').jobs[0]).toMatchObject({ state: 'ok', dueFrom: 'schedule', nextDueAt: new Date('2026-11-21T02:00:00Z') });
    expect(status('2026-11-21T03:30:00Z').jobs[0]!.state).toBe('late');
    const missing = status('2026-11-21T08:00:00Z').jobs[0]!;
    expect(missing.state).toBe('missing');
    expect(missing.reason).toMatch(/no report for the run due 6 h(ours)? ago/);
  });

  it('learns the usual interval without a schedule, and says the due time is a guess', async () => {
    const { ingest, status, } = setup({});
    await ingest([1, 2, 3].map((d) => mail(success, new Date(`2026-11-1${d}T02:00:00Z`))));
    const ok = status('2026-11-13T12:00:00Z');
    expect(ok.jobs[0]).toMatchObject({ state: 'ok', dueFrom: 'learned', nextDueAt: new Date('2026-11-14T01:59:59Z') }); // the fixture's run began 1 s before its end
    expect(formatStatusTable(ok, { now: new Date('2026-11-13T12:00:00Z'), timeZone: 'UTC' })).toMatch(/next due guessed from the usual interval/);
    expect(status('2026-11-14T12:00:00Z').jobs[0]!.state).toBe('missing');
  });

  it('makes a day that mixed failure and success a warning by default, and failed with combine: worst', async () => {
    for (const combine of ['last', 'worst'] as const) {
      db.close();
      db = openStore(':memory:');
      const { ingest, status } = setup({ combine });
      await ingest([mail(failed, new Date('2026-11-20T02:00:00Z')), mail(success, new Date('2026-11-20T04:00:00Z'))]);
      const j = status('2026-11-20T09:00:00Z').jobs[0]!;
      if (combine === 'last') {
        expect(j.state).toBe('warning');
        expect(j.reason).toMatch(/the day mixed success and failure: 1 succeeded, 1 failed/);
      } else {
        expect(j.state).toBe('failed');
        expect(j.reason).toMatch(/an earlier run that day failed/);
      }
      // The successful retry is still the last good backup.
      expect(Math.abs(j.lastGoodRun!.startedAt.getTime() - Date.parse('2026-11-20T04:00:00Z'))).toBeLessThan(60_000);
    }
  });

  it('keeps a notification of a client not in the config out of status', async () => {
    const { ingest, status } = setup({});
    const out = await ingest([mail(success, new Date('2026-11-20T02:00:00Z'), 'backups+nobody@example.com')]);
    expect(out.quarantined.map((q) => q.reason)).toEqual(['unmapped']);
    expect(status('2026-11-20T09:00:00Z').jobs).toHaveLength(0);
  });

  it('shows a third-party job\'s history, every run marked unsigned, in the table and in --json', async () => {
    const { cfg, ingest } = setup({});
    await ingest([mail(success, new Date('2026-11-19T02:00:00Z')), mail(failed, new Date('2026-11-20T02:00:00Z'))]);
    const lines: string[] = [];
    const l = { cfg, db, log: createLogger({ level: 'silent' }), clock: new FakeClock('2026-11-20T12:00:00Z'), out: (x: string) => lines.push(x) };
    const h = historyCommand(l, 'nas/testing', { limit: 10 });
    expect(h).toMatchObject({ source: 'third-party', signed: false, plugin: 'third-party/duplicati' });
    expect(h.runs.map((r) => r.status)).toEqual(['failed', 'ok']);
    expect(lines).toContain("Every run below is unsigned: from the tool's own notification email.");
    const json: string[] = [];
    historyCommand({ ...l, out: (x) => json.push(x) }, 'nas/testing', { limit: 10, json: true });
    expect(JSON.parse(json.join('\n'))).toMatchObject({ source: 'third-party', signed: false });
  });
});
