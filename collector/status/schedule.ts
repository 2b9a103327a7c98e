import cronParser, { type CronExpression } from 'cron-parser';
import { SynError } from '../../core/errors.ts';
import { isValidTimeZone } from '../../core/time.ts';

/**
 * The next start of a cron schedule, computed exactly as an agent computes it (cron-parser 4, the
 * parser inside node-schedule), so that tests and tools on the collector side can predict what an
 * agent announces. The status engine itself never recomputes schedules: it trusts the
 * `nextRunAt` the agent announced, because only the agent knows its own clock and zone.
 *
 * Behaviour around DST, as cron-parser 4 gives it (pinned by schedule.test.ts):
 * - a wall-clock time that does not exist (02:30 in Europe/Berlin on the spring-forward night)
 *   fires once, an hour later on the wall clock (03:30 CEST, the same instant as "02:30 CET");
 * - a wall-clock time that happens twice (02:30 on the autumn night) fires once, at the first
 *   occurrence, when computed from before it. Computed from inside the repeated hour, after the
 *   first 02:30, cron-parser returns the second 02:30: an agent should compute the next run from
 *   the scheduled start, not from the end of a run.
 *
 * Returns null when the schedule has no further start (cron-parser found none); throws
 * CONFIG_INVALID for an expression or a zone that cannot be used, rather than hiding it as "never".
 */
export function nextRunAfter(cron: string, tz: string, after: Date): Date | null {
  if (!isValidTimeZone(tz)) {
    throw new SynError('CONFIG_INVALID', `time zone "${tz}" is not a known IANA zone (expected e.g. "Europe/Berlin")`);
  }
  let it: CronExpression;
  try {
    it = cronParser.parseExpression(cron, { currentDate: after, tz });
  } catch (e) {
    throw new SynError('CONFIG_INVALID', `schedule "${cron}" is not a valid cron expression: ${(e as Error).message}`, { cause: e });
  }
  // Not it.hasNext(): in cron-parser 4.9 it moves the iterator's date, and next() after it
  // returns 03:30 CET on 28 March 2026 for a 02:30 Berlin job asked from 02:30 (the test
  // "moves 02:30 to 03:30 CEST ..." catches it). next() throws when no time matches instead.
  try {
    return it.next().toDate();
  } catch {
    return null;
  }
}
