import { randomUUID } from 'node:crypto';
import type { SiteKeyPair } from '../../core/result/keys.ts';
import type { HeartbeatPayload, Payload, ResultPayload } from '../../core/result/schema.ts';
import { localDate } from '../../core/time.ts';
import { CronCache } from './cron-cache.ts';
import type { SimJob, SimSite, World } from './world.ts';

/**
 * Everything the simulated agents do over the period, as signed-to-be payloads with the times
 * they were sent and reached the mailbox, and the incidents applied: runs that fail, reports
 * that never arrive, a forged success, a success with zero files, an agent that dies. The
 * `nextRunAt` each report announces is computed as the agent computes it (cron-parser in the
 * site's zone, from the end of the run), DST quirks included.
 */
export interface JobRef {
  site: string;
  job: string;
  /** The run's local date in the site's zone (YYYY-MM-DD). */
  date: string;
}

export interface Incidents {
  failed: JobRef[];
  /** Reports that never arrive (the next one shows a sequence gap). */
  dropped: JobRef[];
  /** The real report is lost and a success signed with the wrong key arrives instead. */
  forged: JobRef[];
  zeroFiles: JobRef[];
  /** Agents that stop (no runs, no heartbeats) from this instant. */
  dead: { site: string; from: Date }[];
  /** Consultant-local dates of mornings before which the mailbox could not be read for a day. */
  blindMornings: string[];
}

export interface SimMessage {
  siteId: string;
  payload: Payload;
  /** The keys it is signed with: the site's own, or a forger's. */
  keys: SiteKeyPair;
  receivedAt: Date;
}

/** One scheduled start of a job, and what became of it. */
export interface Occurrence {
  at: Date;
  /** undefined: the agent was dead and did not run it. */
  run?: { startedAt: Date; status: 'ok' | 'failed'; zeroFiles: boolean; message?: SimMessage };
}

export interface Timeline {
  messages: SimMessage[];
  /** `${site}/${job}` -> its scheduled starts, oldest first. */
  occurrences: Map<string, Occurrence[]>;
  /** `${site}` -> heartbeats that reached the mailbox (sent time, next heartbeat announced). */
  heartbeats: Map<string, { next: Date; message: SimMessage }[]>;
}

const MIN = 60_000;
const has = (list: JobRef[], site: string, job: string, date: string) => list.some((r) => r.site === site && r.job === job && r.date === date);

/** The starts of `cron` in `zone` in [from, to): one per local date, as node-schedule fires them. */
export function occurrencesOf(cron: string, zone: string, from: Date, to: Date): Date[] {
  return new CronCache().occurrences(cron, zone, from, to);
}

export function buildTimeline(world: World, inc: Incidents, from: Date, to: Date, forger: SiteKeyPair): Timeline {
  const messages: SimMessage[] = [];
  const occurrences = new Map<string, Occurrence[]>();
  const heartbeats = new Map<string, { next: Date; message: SimMessage }[]>();
  const rng = world.rng;
  const cron = new CronCache();
  const delay = () => 20_000 + rng.int(100_000);
  for (const s of world.sites) {
    const deadFrom = inc.dead.find((d) => d.site === s.site.id)?.from.getTime() ?? Infinity;
    for (const job of s.jobs) {
      const list: Occurrence[] = [];
      let sequence = 0;
      for (const at of cron.occurrences(job.schedule, s.zone, from, to)) {
        if (at.getTime() >= deadFrom) {
          list.push({ at });
          continue;
        }
        const date = localDate(at, s.zone);
        const failed = has(inc.failed, s.site.id, job.id, date);
        const zeroFiles = has(inc.zeroFiles, s.site.id, job.id, date);
        const forged = has(inc.forged, s.site.id, job.id, date);
        const dropped = forged || has(inc.dropped, s.site.id, job.id, date);
        const startedAt = new Date(at.getTime() + rng.int(20_000));
        const endedAt = new Date(startedAt.getTime() + (5 + rng.int(40)) * MIN);
        const sentAt = new Date(endedAt.getTime() + 5_000);
        const next = cron.next(job.schedule, s.zone, endedAt);
        const payload = resultPayload(s, job, ++sequence, startedAt, endedAt, sentAt, failed ? 'failed' : 'ok', zeroFiles, list.length, next);
        const receivedAt = new Date(sentAt.getTime() + delay());
        const message = dropped ? undefined : { siteId: s.site.id, payload, keys: s.site.keys, receivedAt };
        if (message) messages.push(message);
        list.push({ at, run: { startedAt, status: failed ? 'failed' : 'ok', zeroFiles, message } });
        if (forged) messages.push({ siteId: s.site.id, payload: { ...payload, runId: randomUUID(), status: 'ok', errors: [] }, keys: forger, receivedAt });
      }
      occurrences.set(`${s.site.id}/${job.id}`, list);
    }
    const beats: { next: Date; message: SimMessage }[] = [];
    for (const at of [from, ...cron.occurrences('0 8 * * *', s.zone, new Date(from.getTime() + 1), to)]) {
      if (at.getTime() >= deadFrom) break;
      const sentAt = new Date(at.getTime() + rng.int(5_000));
      const next = cron.next('0 8 * * *', s.zone, sentAt)!;
      const receivedAt = new Date(sentAt.getTime() + delay());
      const message = { siteId: s.site.id, payload: heartbeatPayload(s, from, sentAt, next, cron), keys: s.site.keys, receivedAt };
      messages.push(message);
      beats.push({ next, message });
    }
    heartbeats.set(s.site.id, beats);
  }
  messages.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  return { messages, occurrences, heartbeats };
}

function agentOf(s: SimSite) {
  return { format: 'synecdoche-result', version: 1, site: { id: s.site.id, client: s.clientName }, agent: { host: `${s.site.id}-server`, version: '0.1.0', timeZone: s.zone } } as const;
}

function resultPayload(s: SimSite, job: SimJob, sequence: number, startedAt: Date, endedAt: Date, sentAt: Date, status: 'ok' | 'failed', zeroFiles: boolean, n: number, next: Date | null): ResultPayload {
  // Grows a little every run, with noise: never the same size twice, never a big drop.
  const bytes = zeroFiles ? 0 : Math.round(job.baseBytes * (1 + n * 0.002) + (sequence * 7919) % 100_000);
  const files = zeroFiles ? 0 : job.baseFiles + n * 3 + (sequence % 7);
  return {
    ...agentOf(s),
    kind: 'result',
    job: { id: job.id, name: job.name, plugin: 'rsync', schedule: job.schedule, nextRunAt: next ? next.toISOString() : null },
    runId: randomUUID(),
    sequence,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    status,
    exitCode: status === 'failed' ? 23 : 0,
    files: { examined: files, copied: Math.floor(files / 50), skipped: files - Math.floor(files / 50), failed: status === 'failed' ? 3 : 0, extra: 0 },
    bytes: { examined: bytes, copied: Math.floor(bytes / 40), skipped: bytes - Math.floor(bytes / 40), failed: 0, extra: 0 },
    verification: null,
    errors: status === 'failed' ? [{ message: 'rsync: write failed on "/backup/x": No space left on device (28)' }] : [],
    logTail: status === 'failed' ? 'rsync error: some files/attrs were not transferred (code 23)' : 'sent 1,234 bytes',
    sentAt: sentAt.toISOString(),
  };
}

function heartbeatPayload(s: SimSite, started: Date, sentAt: Date, next: Date, cron: CronCache): HeartbeatPayload {
  return {
    ...agentOf(s),
    kind: 'heartbeat',
    runId: randomUUID(),
    startedAt: started.toISOString(),
    nextHeartbeatAt: next.toISOString(),
    jobs: s.jobs.map((j) => ({ id: j.id, nextRunAt: cron.next(j.schedule, s.zone, sentAt)?.toISOString() ?? null })),
    outboxPending: 0,
    sentAt: sentAt.toISOString(),
  };
}
