import { describe, expect, it } from 'vitest';
import { MaintenanceWindow } from './config.ts';
import { maintenanceAt, maintenanceSpans } from './maintenance.ts';

const w = (x: unknown) => MaintenanceWindow.parse(x);
const acme = { clientId: 'acme', siteId: 'fs1' };

describe('maintenance windows', () => {
  it('cover a one-off window from its start up to (not including) its end, for the named client or site only', () => {
    const ws = [w({ client: 'acme', from: '2026-12-05T18:00:00+01:00', to: '2026-12-06T02:00:00+01:00', reason: 'server move' })];
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-12-05T16:59:59Z'))).toBeNull();
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-12-05T17:00:00Z'))).toMatchObject({ reason: 'server move' });
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-12-06T00:59:59Z'))).not.toBeNull();
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-12-06T01:00:00Z'))).toBeNull();
    expect(maintenanceAt(ws, 'UTC', { clientId: 'bolt', siteId: 'fs1' }, new Date('2026-12-05T20:00:00Z'))).toBeNull();
  });

  it('repeat by cron in their own zone, across the DST change', () => {
    const ws = [w({ site: 'fs1', cron: '0 22 * * 6', timeZone: 'Europe/Berlin', durationMinutes: 120 })];
    // Saturday 24 Oct 2026 22:00 CEST is 20:00 UTC; Saturday 31 Oct 22:00 CET is 21:00 UTC.
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-10-24T20:30:00Z'))).toMatchObject({ from: new Date('2026-10-24T20:00:00Z'), to: new Date('2026-10-24T22:00:00Z') });
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-10-31T20:30:00Z'))).toBeNull();
    expect(maintenanceAt(ws, 'UTC', acme, new Date('2026-10-31T22:59:00Z'))).toMatchObject({ from: new Date('2026-10-31T21:00:00Z') });
    expect(maintenanceAt(ws, 'UTC', { clientId: 'acme', siteId: 'fs2' }, new Date('2026-10-31T22:00:00Z'))).toBeNull();
  });

  it('lists the occurrences in a period, for the digest', () => {
    const ws = [w({ client: 'acme', cron: '0 3 * * *', durationMinutes: 30, reason: 'reboot' })];
    const spans = maintenanceSpans(ws, 'Europe/London', acme, new Date('2026-11-20T00:00:00Z'), new Date('2026-11-22T03:10:00Z'));
    expect(spans.map((s) => s.from.toISOString())).toEqual(['2026-11-20T03:00:00.000Z', '2026-11-21T03:00:00.000Z', '2026-11-22T03:00:00.000Z']);
  });
});
