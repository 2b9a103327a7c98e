import type { SimMessage, Timeline } from './timeline.ts';
import type { World } from './world.ts';

/**
 * What the morning digest at `now` must list under "needs attention", worked out from what the
 * simulation knows really happened (the true schedule, which reports were lost or late), not
 * from the collector's tables. Items are keys "kind|client|site|job"; late and missing are both
 * "overdue" (which of the two depends only on the grace minutes, tested in the status engine).
 */
export interface OracleInput {
  world: World;
  timeline: Timeline;
  now: Date;
  /** Whether the collector had read this message by `now`. */
  ingested: (m: SimMessage) => boolean;
  blind: boolean;
}

const MIN = 60_000;

export function expectedAttention(o: OracleInput): Set<string> {
  const { world, timeline, now } = o;
  const t = now.getTime();
  const late = world.cfg.grace.lateAfterMinutes * MIN;
  const heartbeatGrace = world.cfg.grace.heartbeatGraceMinutes * MIN;
  const out = new Set<string>();
  for (const s of world.sites) {
    for (const job of s.jobs) {
      const occ = timeline.occurrences.get(`${s.site.id}/${job.id}`) ?? [];
      let due: Date | null = null;
      let latest: (typeof occ)[number]['run'] | null = null;
      for (const x of occ) {
        if (t - x.at.getTime() > late) due = x.at;
        if (x.run?.message && x.run.message.receivedAt.getTime() <= t && o.ingested(x.run.message)) latest = x.run;
      }
      const key = (kind: string) => out.add(`${kind}|${s.clientName}|${s.site.id}|${job.name}`);
      if (due && (!latest || latest.startedAt.getTime() < due.getTime() - 30_000)) key('overdue');
      else if (!latest) continue;
      else if (latest.status === 'failed') key('failed');
      else if (latest.zeroFiles) key('anomaly');
    }
    const beats = (timeline.heartbeats.get(s.site.id) ?? []).filter((b) => b.message.receivedAt.getTime() <= t && o.ingested(b.message));
    const last = beats[beats.length - 1];
    if (!last || t - last.next.getTime() > heartbeatGrace) out.add(`silent|${s.clientName}|${s.site.id}|`);
  }
  if (o.blind) out.add(`blind|||mailbox ${world.mailbox}`);
  const forged = timeline.messages.some((m) => m.keys !== world.sites.find((s) => s.site.id === m.siteId)!.site.keys && o.ingested(m));
  if (forged) out.add('quarantine|||Messages held in quarantine');
  return out;
}
