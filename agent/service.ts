import { randomUUID } from 'node:crypto';
import { describeError, isSynError } from '../core/errors.ts';
import type { JobConfig } from './config.ts';
import { StopReason } from './execute.ts';
import type { FlushReport, SendDeps } from './outbox.ts';
import { failedOutcome } from '../plugins/types.ts';
import { buildHeartbeat } from './payload.ts';
import { recordRun, runJob, type RunnerDeps } from './runner.ts';
import { nodeScheduler, type ScheduledHandle, type Scheduler } from './schedule.ts';

export interface ServiceDeps extends Omit<RunnerDeps, 'send'> {
  send: SendDeps;
  scheduler?: Scheduler;
}

/**
 * `agent run`: fires each job on its cron schedule in the site's zone, sends a heartbeat at
 * start and on the heartbeat schedule, and keeps retrying the outbox with exponential backoff
 * while reports wait. Every run is isolated: a job that fails, times out or throws is logged
 * and reported, and never stops the schedules of the others.
 */
export class AgentService {
  private readonly handles: ScheduledHandle[] = [];
  private readonly running = new Map<string, { stop: AbortController; done: Promise<void>; startedAt: Date }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private stopped = false;
  private readonly startedAt: Date;

  constructor(private readonly deps: ServiceDeps) {
    this.startedAt = deps.clock.now();
  }

  /** Schedules everything and sends the start heartbeat (and whatever waits in the outbox). */
  async start(): Promise<void> {
    const { config, log } = this.deps;
    const scheduler = this.deps.scheduler ?? nodeScheduler;
    const tz = config.site.timeZone;
    for (const job of config.jobs) {
      if (!job.schedule || job.external) continue;
      const h = scheduler(job.schedule, tz, () => void this.fire(job));
      if (h) this.handles.push(h);
      else log.warn({ jobId: job.id, schedule: job.schedule }, 'the schedule never fires again; job not scheduled');
    }
    const hb = scheduler(config.heartbeat.schedule, tz, () => void this.heartbeat());
    if (hb) this.handles.push(hb);
    log.info({ jobs: config.jobs.length, timeZone: tz, outboxPending: this.deps.outbox.pending().length }, 'agent started');
    await this.heartbeat();
  }

  /** Starts a job now unless it is still running; resolves when its report is written and a send tried. */
  fire(job: JobConfig): Promise<void> {
    const { log } = this.deps;
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(job.id);
    if (current) return this.refuse(job, `the run started ${since(current.startedAt, this.deps.clock.now())} is still going`);
    const stop = new AbortController();
    const done = (async () => {
      let refused: string | undefined;
      try {
        const run = await runJob(job, { ...this.deps, send: undefined }, stop.signal);
        log.info({ runId: run.payload.runId, jobId: job.id, status: run.payload.status, sequence: run.payload.sequence }, 'job report written');
      } catch (e) {
        if (isSynError(e, 'JOB_ALREADY_RUNNING')) refused = `another process is running it (${e.message})`;
        else log.error({ jobId: job.id, err: describeError(e) }, 'job could not be run or recorded');
      } finally {
        this.running.delete(job.id);
      }
      if (refused) return this.refuse(job, refused);
      await this.flush();
    })();
    this.running.set(job.id, { stop, done, startedAt: this.deps.clock.now() });
    return done;
  }

  /**
   * A scheduled start that cannot happen because the job still runs is refused and reported:
   * a signed `failed` result says the scheduled backup did not take place and why, so that an
   * overrunning job shows up in the digest instead of looking merely late.
   */
  private async refuse(job: JobConfig, why: string): Promise<void> {
    const { log, clock } = this.deps;
    const message = `this scheduled start was refused: ${why}`;
    log.warn({ jobId: job.id, reason: why }, 'job start refused');
    try {
      const now = clock.now();
      recordRun(job, failedOutcome(message), { runId: randomUUID(), startedAt: now, endedAt: now }, this.deps);
    } catch (e) {
      log.error({ jobId: job.id, err: describeError(e) }, 'the refused start could not be recorded');
    }
    await this.flush();
  }

  /** Writes a heartbeat to the outbox and tries to send. */
  async heartbeat(): Promise<void> {
    const { config, outbox, clock, log } = this.deps;
    try {
      const hb = buildHeartbeat(config, randomUUID(), this.startedAt, clock.now(), outbox.pending().length);
      outbox.put(hb);
      log.info({ runId: hb.runId, nextHeartbeatAt: hb.nextHeartbeatAt }, 'heartbeat written');
    } catch (e) {
      log.error({ err: describeError(e) }, 'heartbeat could not be written');
    }
    await this.flush();
  }

  /** One flush; when reports remain, a retry after initialSeconds doubling up to maxSeconds. */
  async flush(): Promise<FlushReport | undefined> {
    const { outbox, send, log, config } = this.deps;
    if (this.stopped) return undefined; // what waits is sent by the next start or `agent flush`
    let report: FlushReport;
    try {
      report = await outbox.flush(send);
    } catch (e) {
      log.error({ err: describeError(e) }, 'outbox flush failed');
      this.scheduleRetry();
      return undefined;
    }
    if (report.pending === 0) {
      this.retryAttempt = 0;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    } else {
      log.warn({ pending: report.pending, sent: report.sent, reason: report.stoppedBy ?? report.failures[0]?.message, retryInSeconds: this.nextDelay(config.retry) }, 'reports wait in the outbox');
      this.scheduleRetry();
    }
    return report;
  }

  private nextDelay(r: { initialSeconds: number; maxSeconds: number }): number {
    return Math.min(r.initialSeconds * 2 ** this.retryAttempt, r.maxSeconds);
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.nextDelay(this.deps.config.retry);
    this.retryAttempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delay * 1000);
  }

  /** Stops scheduling, aborts running jobs (their reports say so) and waits for them to be recorded. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const h of this.handles.splice(0)) h.cancel();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const runs = [...this.running.values()];
    for (const r of runs) r.stop.abort(new StopReason('stopped: the agent was shut down during the run'));
    this.deps.log.info({ aborted: runs.length }, 'agent stopping');
    await Promise.allSettled(runs.map((r) => r.done));
  }

  /** Ids of jobs running now. */
  runningJobs(): string[] {
    return [...this.running.keys()];
  }
}

/** "3 min ago", "25 h ago": how long a run has been going, for a refusal message. */
function since(start: Date, now: Date): string {
  const min = Math.max(0, Math.round((now.getTime() - start.getTime()) / 60_000));
  return min < 120 ? `${min} min ago` : `${Math.round(min / 60)} h ago`;
}
