import cronParser from 'cron-parser';
import { localDate } from '../../core/time.ts';
import { nextRunAfter } from '../status/schedule.ts';

const H = 3_600_000;

/**
 * cron-parser with a time zone costs milliseconds per call, and the simulation asks tens of
 * thousands of times. Answers are the same as `nextRunAfter` (which the agent's own code mirrors):
 * an answer N found from t holds for every t' in [P, N), P being the match before N, but only
 * where the two matches are a plain 24 hours or 7 days apart. Around a DST change (23 or 25
 * hours) nothing is cached and cron-parser is asked every time, so its quirks there (the second
 * 02:30 of the autumn night) reach the collector exactly as an agent would announce them.
 */
export class CronCache {
  private readonly spans = new Map<string, { from: number; next: number }[]>();
  private readonly occ = new Map<string, Date[]>();

  next(cron: string, zone: string, after: Date): Date | null {
    const key = `${cron}\u0000${zone}`;
    const t = after.getTime();
    const list = this.spans.get(key) ?? [];
    const hit = list.find((s) => s.from <= t && t < s.next);
    if (hit) return new Date(hit.next);
    const n = nextRunAfter(cron, zone, after);
    if (!n) return null;
    const p = cronParser.parseExpression(cron, { currentDate: n, tz: zone }).prev().toDate();
    const gap = n.getTime() - p.getTime();
    if (gap === 24 * H || gap === 168 * H) {
      list.push({ from: p.getTime(), next: n.getTime() });
      this.spans.set(key, list);
    }
    return n;
  }

  /** The starts of `cron` in `zone` in [from, to): one per local date, as node-schedule fires them. */
  occurrences(cron: string, zone: string, from: Date, to: Date): Date[] {
    const key = `${cron}\u0000${zone}\u0000${from.getTime()}\u0000${to.getTime()}`;
    let out = this.occ.get(key);
    if (!out) {
      out = [];
      const it = cronParser.parseExpression(cron, { currentDate: new Date(from.getTime() - 1), tz: zone });
      let lastDate = '';
      for (;;) {
        const d = it.next().toDate();
        if (d >= to) break;
        const day = localDate(d, zone);
        if (day === lastDate) continue;
        lastDate = day;
        out.push(d);
      }
      this.occ.set(key, out);
    }
    return out;
  }
}
