import { nextRunAfter } from '../status/schedule.ts';
import type { MaintenanceWindow } from './config.ts';

/** One occurrence of a maintenance window: what it is for and when it runs. */
export interface MaintenanceSpan {
  reason: string;
  from: Date;
  to: Date;
}

/** More occurrences than this in one question means a cron that fires every minute: stop looking. */
const MAX_OCCURRENCES = 500;

/**
 * The occurrences of `windows` that cover the client's site at some time in [from, to]
 * (from === to asks about one instant), earliest first. A window names a client, a site, or
 * both (then both must match). Repeating windows are computed in their `timeZone`, else in
 * `defaultZone` (the consultant's), so "0 22 * * 6" keeps meaning 22:00 local across DST.
 */
export function maintenanceSpans(
  windows: readonly MaintenanceWindow[],
  defaultZone: string,
  where: { clientId: string; siteId: string | null },
  from: Date,
  to: Date,
): MaintenanceSpan[] {
  const out: MaintenanceSpan[] = [];
  const a = from.getTime();
  const b = to.getTime();
  for (const w of windows) {
    if (w.client !== undefined && w.client !== where.clientId) continue;
    if (w.site !== undefined && w.site !== where.siteId) continue;
    if (w.from !== undefined && w.to !== undefined) {
      const s = Date.parse(w.from);
      const e = Date.parse(w.to);
      if (s <= b && e > a) out.push({ reason: w.reason, from: new Date(s), to: new Date(e) });
      continue;
    }
    if (w.cron === undefined || w.durationMinutes === undefined) continue;
    const d = w.durationMinutes * 60_000;
    // An occurrence starting at s covers [s, s + d): it touches [a, b] when a - d < s <= b.
    let after = new Date(a - d);
    for (let i = 0; i < MAX_OCCURRENCES; i++) {
      const s = nextRunAfter(w.cron, w.timeZone ?? defaultZone, after);
      if (s === null || s.getTime() > b) break;
      if (s.getTime() + d > a) out.push({ reason: w.reason, from: s, to: new Date(s.getTime() + d) });
      after = s;
    }
  }
  return out.sort((x, y) => x.from.getTime() - y.from.getTime());
}

/** The maintenance covering the client's site at `now`, or null: no alerts for it then. */
export function maintenanceAt(windows: readonly MaintenanceWindow[], defaultZone: string, where: { clientId: string; siteId: string | null }, now: Date): MaintenanceSpan | null {
  return maintenanceSpans(windows, defaultZone, where, now, now)[0] ?? null;
}

/** A digest looks back this far for maintenance: the night's window is over by the morning. */
export const DIGEST_MAINTENANCE_LOOKBACK_MS = 24 * 3_600_000;

/**
 * For the digest: a note per client's site with maintenance in the day before `now` or at it
 * ("maintenance: server move, Tue 1 Dec 18:00 to 23:00"), else null. `words` shows a time in
 * the reader's zone.
 */
export function maintenanceNotes(
  windows: readonly MaintenanceWindow[],
  zone: string,
  now: Date,
  words: (d: Date) => string,
): (clientId: string, siteId: string | null) => string | null {
  if (windows.length === 0) return () => null;
  const from = new Date(now.getTime() - DIGEST_MAINTENANCE_LOOKBACK_MS);
  return (clientId, siteId) => {
    const spans = maintenanceSpans(windows, zone, { clientId, siteId }, from, now);
    if (spans.length === 0) return null;
    return `maintenance: ${spans.map((s) => `${s.reason}, ${words(s.from)} to ${words(s.to)}`).join('; ')}`;
  };
}
