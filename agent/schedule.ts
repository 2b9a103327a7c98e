import cronParser from 'cron-parser';
import nodeSchedule from 'node-schedule';

/**
 * Cron expressions: validated and evaluated with cron-parser, the same parser node-schedule
 * uses to fire the jobs, so the announced `nextRunAt` and the real start agree. Five fields
 * (minute hour day month weekday) or six with seconds first.
 */
export function cronError(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return `has ${fields} field${fields === 1 ? '' : 's'}`;
  try {
    cronParser.parseExpression(expr, { tz: 'UTC' });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The first time strictly after `after` at which `cron` fires in zone `tz`. */
export function nextRunAt(cron: string, tz: string, after: Date): Date {
  return cronParser.parseExpression(cron, { tz, currentDate: after }).next().toDate();
}

/** The next `n` run times (for `agent check`). */
export function nextRuns(cron: string, tz: string, after: Date, n: number): Date[] {
  const it = cronParser.parseExpression(cron, { tz, currentDate: after });
  return Array.from({ length: n }, () => it.next().toDate());
}

/** A scheduled callback that can be cancelled. */
export interface ScheduledHandle {
  cancel(): void;
}

/**
 * The scheduling seam of `agent run`: production fires callbacks with node-schedule (which
 * handles the zone and DST gaps); tests may fire them by hand. Returns null when the expression
 * never fires again (e.g. "0 0 30 2 *").
 */
export type Scheduler = (cron: string, tz: string, fire: () => void) => ScheduledHandle | null;

export const nodeScheduler: Scheduler = (rule, tz, fire) => {
  const job = nodeSchedule.scheduleJob({ rule, tz }, fire);
  return job ? { cancel: () => void job.cancel() } : null;
};
