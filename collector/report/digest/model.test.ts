import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../status/engine.ts';
import { dailyRuns, TEST_PARAMS, testFacts, testJob, testMailbox, testRun, testSite } from '../../status/testing.ts';
import type { StatusFacts } from '../../status/types.ts';
import { dayWindows, localMidnight } from './days.ts';
import { jobKey, type JobHistory } from './history.ts';
import { digestModel } from './model.ts';
import { digestSubject } from './subject.ts';
import { renderDigest, reportTemplates } from './render.ts';
import { DEFAULT_COLOURS } from './theme.ts';

const NOW = new Date('2026-11-24T07:00:00Z');
const cfg = {
  consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/Berlin', digestTime: '07:00' },
  clients: [{ id: 'c1', name: 'Client One', contacts: [], timeZone: 'Europe/Berlin', summaryTime: '07:30', showPaths: false }],
  sites: [{ id: 's1', client: 'c1', publicKeys: ['x'], heartbeatExpected: false }],
};
const theme = { product: 'Synecdoche', consultantName: 'Pat', colours: DEFAULT_COLOURS, logo: null };
const okJob = (jobId: string, over = {}) => testJob({ jobId, jobName: `Job ${jobId}`, recentRuns: dailyRuns(10, '2026-11-24T01:30:00Z', (i) => ({ bytesExamined: 5e9 + i * 1e7 })), ...over });

function model(facts: StatusFacts, history: JobHistory = new Map()) {
  const report = evaluateStatus(facts, TEST_PARAMS, NOW);
  return digestModel({ report, history, quarantine: { count: 0, newest: [] }, gaps: [], cfg, theme, date: '2026-11-24', now: NOW });
}

describe('digest subject', () => {
  it('says all backups are OK with the local date when nothing needs attention', () => {
    const m = model(testFacts({ jobs: [okJob('a'), okJob('b'), okJob('c')], sites: [testSite({ heartbeatExpected: false })] }));
    expect(m.subject).toBe('All 3 backups OK - Tue 24 Nov');
    expect(m.attention).toEqual([]);
    expect(m.tone).toBe('ok');
  });

  it('puts the counts first, worst first, and MONITORING BLIND in front of them', () => {
    const failed = okJob('f', { recentRuns: dailyRuns(3, '2026-11-24T01:30:00Z', (i) => ({ status: i === 0 ? 'failed' : 'ok', firstError: 'disk full' })) });
    const m = model(testFacts({
      jobs: [okJob('a'), failed, okJob('b')],
      sites: [testSite({ heartbeatExpected: false })],
      mailboxes: [testMailbox({ lastGoodPollAt: new Date(NOW.getTime() - 5 * 3_600_000) })],
    }));
    expect(m.subject).toBe('MONITORING BLIND - 1 failed, 2 OK - Tue 24 Nov');
    expect(m.attention.map((a) => a.kind)).toEqual(['blind', 'failed']);
    expect(m.attention[1]).toMatchObject({ clientName: 'Client One', siteId: 's1', jobName: 'Job f', lastError: 'disk full', lastGood: '29 h ago' });
  });

  it('gives the run before an anomalous one as the last good backup', () => {
    const emptied = okJob('e', { recentRuns: dailyRuns(5, '2026-11-24T01:30:00Z', (i) => (i === 0 ? { filesExamined: 0, filesCopied: 0, bytesExamined: 0 } : {})) });
    const m = model(testFacts({ jobs: [emptied], sites: [testSite({ heartbeatExpected: false })] }));
    expect(m.attention[0]).toMatchObject({ kind: 'anomaly', lastGood: '29 h ago' });
  });

  it('counts a job whose first run is overdue as missing and says its last good backup is never', () => {
    const never = testJob({ jobId: 'n', jobName: 'New box', recentRuns: [], lastGoodRun: null, announcedNextRunAt: new Date('2026-11-23T01:00:00Z') });
    const m = model(testFacts({ jobs: [never], sites: [testSite({ heartbeatExpected: false })] }));
    expect(m.subject).toBe('1 missing - Tue 24 Nov');
    expect(m.attention[0]).toMatchObject({ kind: 'missing', lastGood: 'never' });
  });
});

describe('digest subject with requests and commands', () => {
  it('names waiting client requests and refused, expired or unknown commands after the jobs, each only when there are any', () => {
    const counts = { failed: 1, missing: 0, late: 0, warning: 0, anomaly: 0, new: 0, ok: 3 };
    const base = { blindMailboxes: 0, silentAgents: 0, quarantined: 0 };
    expect(digestSubject(counts, { ...base, pendingRequests: 2, commandsRefused: 1, commandsExpired: 0, unknownCommands: 1 }, 'Tue 24 Nov'))
      .toBe('1 failed, 3 OK, 2 client requests waiting, 1 command refused, 1 unknown command - Tue 24 Nov');
    expect(digestSubject(counts, { ...base, pendingRequests: 0, commandsRefused: 0, commandsExpired: 0, unknownCommands: 0 }, 'Tue 24 Nov')).toBe('1 failed, 3 OK - Tue 24 Nov');
  });
});

describe('digest strips', () => {
  it('puts a run in the consultant\'s local day, not the UTC day', () => {
    // 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin.
    const history: JobHistory = new Map([[jobKey('s1', 'a'), [
      { startedAt: Date.parse('2026-11-22T23:30:00Z'), endedAt: Date.parse('2026-11-22T23:40:00Z'), status: 'failed' as const, bytesExamined: 10 },
      { startedAt: Date.parse('2026-11-24T01:00:00Z'), endedAt: Date.parse('2026-11-24T01:30:00Z'), status: 'ok' as const, bytesExamined: 20 },
    ]]]);
    const m = model(testFacts({ jobs: [okJob('a')], sites: [testSite({ heartbeatExpected: false })] }), history);
    const row = m.clients[0]!.jobs[0]!;
    expect(row.days.text).toBe('.'.repeat(12) + 'X+');
    expect(row.days.cells[12]!.colour).toBe(DEFAULT_COLOURS.failed);
    expect(row.days.chart.bytes[13]!.h).toBe(24);
    expect(row.days.chart.bytes[12]!.h).toBe(12);
    expect(row.days.chart.duration[13]!.label).toBe('30 min 0 s');
  });

  it('makes 14 local days across a DST change, each starting at local midnight', () => {
    const w = dayWindows('2026-04-05', 14, 'Europe/Berlin');
    expect(w).toHaveLength(14);
    expect(w[13]!.date).toBe('2026-04-05');
    expect(new Date(localMidnight('2026-03-29', 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(localMidnight('2026-03-30', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    const dstDay = w.find((d) => d.date === '2026-03-29')!;
    expect(dstDay.end - dstDay.start).toBe(23 * 3_600_000);
  });
});

describe('digest text and charts', () => {
  const runToday: JobHistory = new Map([[jobKey('s1', 'a'), [{ startedAt: Date.parse('2026-11-24T01:00:00Z'), endedAt: Date.parse('2026-11-24T01:30:00Z'), status: 'ok' as const, bytesExamined: 20 }]]]);

  it('says 1 job, 1 site and 1 client in the singular', () => {
    const m = model(testFacts({ jobs: [okJob('a')], sites: [testSite({ heartbeatExpected: false })] }), runToday);
    const { html, text } = renderDigest(m, reportTemplates());
    expect(text).toContain('(1 job, 1 site, 1 client)');
    expect(html).toContain('1 job &middot; 1 site &middot; 1 client');
  });

  it('says "no history yet" instead of two empty charts for a job that never reported, and keeps the bars of one that did', () => {
    const never = testJob({ jobId: 'n', jobName: 'New box', recentRuns: [], lastGoodRun: null, announcedNextRunAt: new Date('2026-11-23T01:00:00Z') });
    const gone = okJob('g', { recentRuns: dailyRuns(3, '2026-10-20T01:30:00Z') }); // its runs are older than the 14 days
    const m = model(testFacts({ jobs: [okJob('a'), gone, never], sites: [testSite({ heartbeatExpected: false })] }), runToday);
    const missing = m.attention.find((a) => a.jobName === 'New box')!;
    expect(missing.days!.chart.note).toBe('no history yet');
    const rows = new Map(m.clients[0]!.jobs.map((j) => [j.jobName, j.days.chart.note]));
    expect(rows).toEqual(new Map([['Job a', null], ['Job g', 'no runs in these 14 days'], ['New box', 'no history yet']]));
    const { html } = renderDigest(m, reportTemplates());
    expect(html.match(/no history yet/g)).toHaveLength(2); // the attention item and the full list
    expect(html.match(/size examined/g)).toHaveLength(1); // only Job a draws charts
  });
});

describe('pipeline health', () => {
  it('shows clock drift of 5 minutes or more and hides smaller drift', () => {
    const drifting = (siteId: string, minutes: number) => testJob({
      siteId, jobId: 'j', recentRuns: [testRun('2026-11-24T01:00:00Z', { sentAt: new Date(Date.parse('2026-11-24T01:11:00Z') + minutes * 60_000) })],
    });
    const facts = testFacts({ jobs: [drifting('s1', 12), drifting('s2', 3)], sites: [testSite({ heartbeatExpected: false }), testSite({ siteId: 's2', heartbeatExpected: false })] });
    const m = model(facts);
    expect(m.pipeline.drift).toEqual(["Client One / s1: the agent's clock is about 12 min ahead"]);
  });
});
