import { randomUUID } from 'node:crypto';
import { describeError, isSynError, SynError } from '../core/errors.ts';
import type { CommandRef } from '../core/result/schema.ts';
import type { CommandMailbox } from './commands/mailbox.ts';
import type { CommandPollReport } from './commands/poll.ts';
import type { JobConfig } from './config.ts';
import { StopReason } from './execute.ts';
import type { FlushReport, SendDeps } from './outbox.ts';
import { failedOutcome } from '../plugins/types.ts';
import { buildHeartbeat } from './payload.ts';
import { recordRun, runJob, type RunnerDeps } from './runner.ts';
import { runDrill } from './drill/index.ts';
import { nodeScheduler, type ScheduledHandle, type Scheduler } from './schedule.ts';

export interface ServiceDeps extends Omit<RunnerDeps, 'send'> {
  send: SendDeps;
  scheduler?: Scheduler;
  /** The process environment (the command mailbox password may come from it). */
  env?: NodeJS.ProcessEnv;
  /** The command mailbox seam; default: the one commands.mailbox configures. */
  openCommandMailbox?: () => Promise<CommandMailbox>;
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
  /** Restore drills going now, by job id (issue 11). */
  private readonly drills = new Map<string, { stop: AbortController; done: Promise<void> }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private commandTimer: NodeJS.Timeout | undefined;
  private commandPoll: Promise<CommandPollReport | undefined> | undefined;
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
    for (const job of config.jobs) {
      if (!job.drill || job.external) continue;
      const h = scheduler(job.drill.schedule, tz, () => void this.drill(job));
      if (h) this.handles.push(h);
      else log.warn({ jobId: job.id, schedule: job.drill.schedule }, 'the drill schedule never fires again; drill not scheduled');
    }
    const hb = scheduler(config.heartbeat.schedule, tz, () => void this.heartbeat());
    if (hb) this.handles.push(hb);
    log.info({ jobs: config.jobs.length, timeZone: tz, outboxPending: this.deps.outbox.pending().length }, 'agent started');
    await this.heartbeat();
    if (config.commands) {
      this.commandTimer = setInterval(() => void this.pollCommands(), config.commands.pollSeconds * 1000);
      void this.pollCommands();
    }
  }

  /**
   * One pass over the command mailbox (commands: in the config), never two at once. An
   * unreachable mailbox is logged by the poll and tried again at the next interval.
   */
  pollCommands(): Promise<CommandPollReport | undefined> {
    const c = this.deps.config.commands;
    if (!c || this.stopped) return Promise.resolve(undefined);
    if (this.commandPoll) return this.commandPoll;
    const { config, log, clock, outbox, send } = this.deps;
    this.commandPoll = (async () => {
      try {
        const [{ pollCommandMailbox }, { openCommandMailbox }, { commandActor }] = await Promise.all([import('./commands/poll.ts'), import('./commands/mailbox.ts'), import('./commands/act.ts')]);
        const restoreActor = commandActor({ ...this.deps, send });
        return await pollCommandMailbox({
          config,
          log,
          clock,
          outbox,
          send,
          openMailbox: this.deps.openCommandMailbox ?? (() => openCommandMailbox(c, this.deps.env ?? {}, log)),
          // A run-now goes through fire(), so that the schedules see it as running; a restore runs as commandActor does.
          act: (command, job) => (command.action === 'run-now' ? this.fire(job, { id: command.id }) : restoreActor(command, job)),
        });
      } catch (e) {
        log.error({ err: describeError(e) }, 'command poll failed');
        return undefined;
      } finally {
        this.commandPoll = undefined;
      }
    })();
    return this.commandPoll;
  }

  /** Starts a job now unless it is still running; resolves when its report is written and a send tried. */
  fire(job: JobConfig, command?: CommandRef): Promise<void> {
    const { log } = this.deps;
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(job.id);
    // A command's refusal is its receipt (commands/poll.ts), not a failed scheduled run.
    if (current && command) return Promise.reject(new SynError('JOB_ALREADY_RUNNING', `job "${job.id}" is running (started ${since(current.startedAt, this.deps.clock.now())})`));
    if (current) return this.refuse(job, `the run started ${since(current.startedAt, this.deps.clock.now())} is still going`);
    const stop = new AbortController();
    const done = (async () => {
      let refused: string | undefined;
      try {
        await this.drills.get(job.id)?.done; // a drill going now ends first: never both at once
        const run = await runJob(job, { ...this.deps, send: undefined }, stop.signal, command);
        log.info({ runId: run.payload.runId, jobId: job.id, status: run.payload.status, sequence: run.payload.sequence }, 'job report written');
      } catch (e) {
        if (isSynError(e, 'JOB_ALREADY_RUNNING') && command) throw e;
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

  /**
   * A job's restore drill on its `drill.schedule` (agent/drill): when the job itself is running,
   * the drill waits for it to end, and a job due meanwhile waits for the drill, so the two never
   * overlap. A drill is skipped, with the reason logged, while the previous one still goes or
   * another process (`agent run-job`) holds the job.
   */
  drill(job: JobConfig): Promise<void> {
    const { log } = this.deps;
    if (this.stopped) return Promise.resolve();
    if (this.drills.has(job.id)) {
      log.warn({ jobId: job.id, reason: 'the previous drill is still going' }, 'drill skipped');
      return Promise.resolve();
    }
    const stop = new AbortController();
    const running = this.running.get(job.id)?.done;
    const done = (async () => {
      try {
        if (running) log.info({ jobId: job.id }, 'drill waits for the job run to end');
        await running;
        if (this.stopped) return;
        const run = await runDrill(job, { ...this.deps, send: undefined }, stop.signal);
        log.info({ runId: run.payload.runId, jobId: job.id, status: run.payload.status }, 'drill report written');
      } catch (e) {
        if (isSynError(e, 'JOB_ALREADY_RUNNING')) log.warn({ jobId: job.id, reason: e.message }, 'drill skipped');
        else log.error({ jobId: job.id, err: describeError(e) }, 'drill could not be run or recorded');
      } finally {
        this.drills.delete(job.id);
      }
      await this.flush();
    })();
    this.drills.set(job.id, { stop, done });
    return done;
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
    if (this.commandTimer) clearInterval(this.commandTimer);
    this.commandTimer = undefined;
    const runs = [...this.running.values()];
    for (const r of runs) r.stop.abort(new StopReason('stopped: the agent was shut down during the run'));
    const drills = [...this.drills.values()];
    for (const d of drills) d.stop.abort(new StopReason('stopped: the agent was shut down during the drill'));
    this.deps.log.info({ aborted: runs.length + drills.length }, 'agent stopping');
    await Promise.allSettled([...runs.map((r) => r.done), ...drills.map((d) => d.done), this.commandPoll]);
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
