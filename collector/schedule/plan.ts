import cronParser from 'cron-parser';
import { SynError } from '../../core/errors.ts';
import { isValidTimeZone, localDate } from '../../core/time.ts';
import type { CollectorConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import { MAX_ATTEMPTS, sendRow, type SendKind } from './send-once.ts';

/**
 * What the daily scheduler sends and when: pure decisions over the config, the `sends` table and
 * a given instant, so that "what is due now" is tested with a fake clock and no waiting.
 * Times are computed by cron-parser, the parser inside node-schedule, so the decision and the
 * timer agree, also across DST changes (a time that does not exist fires an hour later on the
 * wall clock; a repeated one fires once).
 */
export interface PlannedSend {
  kind: SendKind;
  /** "consultant" for the digest, else the client id. */
  key: string;
  timeZone: string;
  hour: number;
  minute: number;
  /** Seconds past the minute; 0 from the config (tests schedule a few seconds ahead). */
  second?: number;
  /** Monthly sends only: the day of the month (1-28); daily sends have none. */
  dayOfMonth?: number;
  to: string[];
}

export const DIGEST_KEY = 'consultant';

/**
 * The digest, and one summary for each client that has contacts to send it to; with
 * monthlyReportDay, the monthly report of all clients to the consultant (at digestTime) and each
 * client's own to its contacts (at summaryTime) on that day of the month.
 */
export function plannedSends(cfg: CollectorConfig): PlannedSend[] {
  const at = (hhmm: string) => ({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) });
  const out: PlannedSend[] = [
    { kind: 'digest', key: DIGEST_KEY, timeZone: cfg.consultant.timeZone, ...at(cfg.consultant.digestTime), to: [cfg.consultant.email] },
  ];
  for (const c of cfg.clients) {
    if (c.contacts.length > 0) out.push({ kind: 'client', key: c.id, timeZone: c.timeZone, ...at(c.summaryTime), to: [...c.contacts] });
  }
  const monthly = cfg.consultant.monthlyReportDay;
  if (typeof monthly === 'number') {
    out.push({ kind: 'monthly', key: DIGEST_KEY, timeZone: cfg.consultant.timeZone, ...at(cfg.consultant.digestTime), dayOfMonth: monthly, to: [cfg.consultant.email] });
  }
  for (const c of cfg.clients) {
    const day = c.monthlyReportDay ?? monthly;
    if (typeof day === 'number' && c.contacts.length > 0) out.push({ kind: 'monthly', key: c.id, timeZone: c.timeZone, ...at(c.summaryTime), dayOfMonth: day, to: [...c.contacts] });
  }
  for (const p of out) {
    if (!isValidTimeZone(p.timeZone)) throw new SynError('CONFIG_INVALID', `${p.kind} ${p.key}: "${p.timeZone}" is not a known IANA time zone`);
  }
  return out;
}

function iterator(p: PlannedSend, at: Date) {
  return cronParser.parseExpression(`${p.second ?? 0} ${p.minute} ${p.hour} ${p.dayOfMonth ?? '*'} * *`, { currentDate: at, tz: p.timeZone });
}

/** The latest scheduled instant at or before `at`. */
export function lastFiringAtOrBefore(p: PlannedSend, at: Date): Date {
  return iterator(p, new Date(at.getTime() + 1)).prev().toDate();
}

/** The first scheduled instant after `at`. */
export function nextFiringAfter(p: PlannedSend, at: Date): Date {
  return iterator(p, at).next().toDate();
}

/**
 * A node-schedule timer may fire a little early; a send whose time is this close ahead counts as
 * due, so the firing that was meant for 07:00 sends the 07:00 message.
 */
export const DUE_TOLERANCE_MS = 60_000;
/** A failed send is tried again after this long, the same day, up to MAX_ATTEMPTS. */
export const RETRY_AFTER_MINUTES = 15;

export interface DueSend {
  send: PlannedSend;
  /** The recipient's local date the message is for. */
  day: string;
  /** Why: "first" (not tried today) or "retry" (tried and failed). */
  why: 'first' | 'retry';
}

/**
 * The sends due at `now`: today's time (in the recipient's zone) has passed, and today's message
 * was neither claimed nor is it a failed attempt waiting for its retry. A collector started at
 * 07:05 therefore still sends the 07:00 digest (catch-up); one started after midnight does not
 * send yesterday's. A monthly report is keyed by the day it was due, and caught up until the
 * end of that month. A claim that is 'sending', 'sent' or 'interrupted' is never due again.
 */
export function dueSends(db: Db, plan: readonly PlannedSend[], now: Date, toleranceMs = DUE_TOLERANCE_MS): DueSend[] {
  const t = now.getTime() + toleranceMs;
  const out: DueSend[] = [];
  for (const p of plan) {
    const fired = lastFiringAtOrBefore(p, new Date(t));
    const day = localDate(fired, p.timeZone);
    // Today's time has passed (or comes within the tolerance, which may be just after midnight).
    // A monthly report missed on its day (the collector was down) is still sent later that month.
    const today = localDate(now, p.timeZone);
    if (fired.getTime() <= now.getTime() && (p.dayOfMonth === undefined ? day !== today : day.slice(0, 7) !== today.slice(0, 7))) continue;
    const row = sendRow(db, p.kind, p.key, day);
    if (!row) out.push({ send: p, day, why: 'first' });
    else if (row.state === 'failed' && row.attempts < MAX_ATTEMPTS && Date.parse(row.claimedAt ?? '') <= now.getTime() - RETRY_AFTER_MINUTES * 60_000) {
      out.push({ send: p, day, why: 'retry' });
    }
  }
  return out;
}
