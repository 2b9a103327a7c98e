import { describe, expect, it } from 'vitest';
import { nextDue, type Due } from './due.ts';

const t = (hhmm: string, day = 23) => Date.parse(`2026-11-${day}T${hhmm}:00Z`);
const due = (next: number | null, at: number): Due => ({ nextRunAt: next, announcedAt: at });

describe('the awaited next run of a job', () => {
  const afterMondayRun = due(t('01:15', 24), t('01:16', 23));

  it('keeps waiting for a run whose report never came, whatever later heartbeats announce', () => {
    const heartbeatAfterMiss = due(t('01:15', 25), t('08:00', 24));
    expect(nextDue(afterMondayRun, heartbeatAfterMiss)).toEqual(afterMondayRun);
  });

  it('moves on when the awaited run reports, even late or a few seconds early', () => {
    const report = due(t('01:15', 25), t('01:16', 24));
    expect(nextDue(afterMondayRun, report, t('01:15', 24))).toEqual(report);
    expect(nextDue(afterMondayRun, report, t('01:15', 24) - 10_000)).toEqual(report);
  });

  it('follows a schedule change announced before the due time came', () => {
    const changed = due(t('03:00', 26), t('12:00', 23));
    expect(nextDue(afterMondayRun, changed)).toEqual(changed);
  });

  it('ignores an older announcement that arrives late, and a manual run before the due time', () => {
    expect(nextDue(afterMondayRun, due(t('01:15', 23), t('01:16', 22)))).toEqual(afterMondayRun);
    const manual = due(t('01:15', 24), t('10:01', 23));
    expect(nextDue(afterMondayRun, manual, t('10:00', 23))).toEqual(manual);
  });

  it('takes the first announcement, and any newer one for a job without a schedule', () => {
    expect(nextDue(null, afterMondayRun)).toEqual(afterMondayRun);
    expect(nextDue(due(null, t('01:00')), afterMondayRun)).toEqual(afterMondayRun);
  });
});
