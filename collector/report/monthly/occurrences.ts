import cronParser from 'cron-parser';
import { SynError } from '../../../core/errors.ts';
import { isValidTimeZone } from '../../../core/time.ts';

/** A month of a per-minute schedule is 44,640 runs; more than this is a schedule we refuse to expand. */
export const MAX_OCCURRENCES = 50_000;

/**
 * The starts of a cron schedule in [from, to), in `zone`, and the first start at or after `to`
 * (null when there is none). Computed with cron-parser, the parser inside node-schedule, as the
 * agent schedules its jobs. Iterated from one start to the next, cron-parser gives a wall-clock
 * time that happens twice (the repeated autumn hour) once, as node-schedule fires it, and a time
 * that does not exist (the spring gap) an hour later (figures.test.ts pins both: a second
 * occurrence would count as a missed run that was never scheduled). Throws CONFIG_INVALID for
 * an expression or zone that cannot be used.
 */
export function occurrencesIn(cron: string, zone: string, from: number, to: number): { occurrences: number[]; next: number | null } {
  // cron-parser steps minute by minute in the zone: a daily schedule costs tens of ms a month,
  // an hourly one seconds. Most jobs of an estate share a few schedules, so results are kept.
  const key = `${cron}\u0000${zone}\u0000${from}\u0000${to}`;
  const known = memo.get(key);
  if (known) return known;
  const computed = compute(cron, zone, from, to);
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  memo.set(key, computed);
  return computed;
}

const MEMO_SIZE = 500;
const memo = new Map<string, { occurrences: number[]; next: number | null }>();

function compute(cron: string, zone: string, from: number, to: number): { occurrences: number[]; next: number | null } {
  if (!isValidTimeZone(zone)) throw new SynError('CONFIG_INVALID', `time zone "${zone}" is not a known IANA zone (expected e.g. "Europe/Berlin")`);
  let it;
  try {
    it = cronParser.parseExpression(cron, { currentDate: new Date(from - 1), tz: zone });
  } catch (e) {
    throw new SynError('CONFIG_INVALID', `schedule "${cron}" is not a valid cron expression: ${(e as Error).message}`, { cause: e });
  }
  const occurrences: number[] = [];
  for (;;) {
    let t: number;
    try {
      t = it.next().toDate().getTime();
    } catch {
      return { occurrences, next: null };
    }
    if (t >= to) return { occurrences, next: t };
    if (t >= from) occurrences.push(t);
    if (occurrences.length > MAX_OCCURRENCES) {
      throw new SynError('CONFIG_INVALID', `schedule "${cron}" starts more than ${MAX_OCCURRENCES} times in a month; a monthly report cannot list it`);
    }
  }
}
