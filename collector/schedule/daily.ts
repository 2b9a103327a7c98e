import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import schedule, { type Job } from 'node-schedule';
import type { Clock } from '../../core/clock.ts';
import { describeError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import { markChannelFailuresShown, pendingAlertFailures, recordChannelFailure } from '../alerts/failures.ts';
import type { CollectorConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import { DIGEST_KEY, dueSends, plannedSends, type PlannedSend } from './plan.ts';
import { summaryReplyTo } from '../requests/config.ts';
import { claimSend, interruptedSends, markFailed, markSent, type SendClaim, type SendKind } from './send-once.ts';

/** A rendered report ready to mail: what the report builder hands the scheduler. */
export interface MadeReport {
  subject: string;
  html: string;
  text: string;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
}

/**
 * The report seam: builds (and archives) the digest or one client's summary for a local date.
 * Production binds it to produceReport (report-maker.ts); tests pass a small function.
 */
export type ReportMaker = (req: { kind: SendKind; key: string; date: string; now: Date }) => Promise<MadeReport>;

export interface DailyDeps {
  db: Db;
  cfg: CollectorConfig;
  clock: Clock;
  sender: MailSender;
  make: ReportMaker;
  log?: Logger;
  /** Names this collector in the sends table; default host, pid and a random part. */
  claimant?: string;
  /** A 'sending' claim older than this is reported as interrupted (never re-sent). Default 30. */
  interruptedAfterMinutes?: number;
  /** How far ahead a send counts as due (a timer may fire early); default DUE_TOLERANCE_MS. */
  dueToleranceMs?: number;
  /** What to send when; default plannedSends(cfg). */
  plan?: PlannedSend[];
}

export type SendOutcome = { kind: SendKind; key: string; day: string; result: 'sent' | 'taken' | 'failed'; error?: string };

/** How often the scheduler looks for catch-ups and retries besides the exact daily times. */
export const SWEEP_RULE = '*/15 * * * *';

/**
 * Sends the consultant's digest every day at consultant.digestTime in consultant.timeZone, and
 * each client's summary at the client's summaryTime in the client's zone: always, also when all
 * is well, because its arrival is the signal that monitoring works. Each send is claimed in the
 * database before it goes out (send-once.ts), so a restart or a second collector on the same
 * database never sends a day's message twice. On start, and every 15 minutes, it also sends
 * whatever is due and unsent today (a collector restarted at 07:05 still sends the 07:00
 * digest) and retries failed sends.
 */
export class DailyScheduler {
  private readonly plan: PlannedSend[];
  private readonly log: Logger;
  private readonly claimant: string;
  private jobs: Job[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DailyDeps) {
    this.plan = deps.plan ?? plannedSends(deps.cfg);
    this.log = deps.log ?? silentLogger;
    this.claimant = deps.claimant ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  /** The planned sends (the digest first). */
  get planned(): readonly PlannedSend[] {
    return this.plan;
  }

  /** Registers the node-schedule timers and runs a first sweep (catch-up). Returns that sweep. */
  start(): Promise<SendOutcome[]> {
    for (const p of this.plan) {
      const job = schedule.scheduleJob({ hour: p.hour, minute: p.minute, second: p.second ?? 0, tz: p.timeZone, ...(p.dayOfMonth === undefined ? {} : { date: p.dayOfMonth }) }, () => void this.sweep());
      if (!job) throw new Error(`node-schedule refused the time of ${p.kind} ${p.key}`);
      this.jobs.push(job);
    }
    const sweeper = schedule.scheduleJob(SWEEP_RULE, () => void this.sweep());
    if (sweeper) this.jobs.push(sweeper);
    return this.sweep();
  }

  /** The timers, in plan order then the sweeper (tests compare their next invocations). */
  get timers(): readonly Job[] {
    return this.jobs;
  }

  /** Cancels the timers; resolves once a sweep in progress has finished (before the database closes). */
  async stop(): Promise<void> {
    for (const j of this.jobs.splice(0)) j.cancel();
    await this.chain;
  }

  /** Sends everything due now, one at a time (sweeps never overlap within one process). Never throws. */
  sweep(): Promise<SendOutcome[]> {
    const run = this.chain.then(() => this.sweepNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async sweepNow(): Promise<SendOutcome[]> {
    const out: SendOutcome[] = [];
    try {
      this.reportInterrupted();
      for (const due of dueSends(this.deps.db, this.plan, this.deps.clock.now(), this.deps.dueToleranceMs)) out.push(await this.sendOne(due.send, due.day));
    } catch (e) {
      this.log.error({ err: describeError(e) }, 'the daily sweep failed');
    }
    return out;
  }

  /** Claims, builds and mails one message. A failure is recorded for the next digest and retried later. */
  async sendOne(p: PlannedSend, day: string): Promise<SendOutcome> {
    const { db, clock } = this.deps;
    const claim: SendClaim = { kind: p.kind, key: p.key, day, claimant: this.claimant };
    const where = { kind: p.kind, key: p.key, day };
    if (!claimSend(db, claim, { now: clock.now() })) return { ...where, result: 'taken' };
    // The digest lists the channel failures pending now; they count as shown once it is accepted.
    const shown = p.kind === 'digest' ? pendingAlertFailures(db).map((f) => f.id) : [];
    try {
      const made = await this.deps.make({ kind: p.kind, key: p.key, date: day, now: clock.now() });
      const cfg = this.deps.cfg;
      await this.deps.sender.send({
        from: { name: p.kind === 'digest' ? 'Synecdoche' : cfg.consultant.name, address: cfg.consultant.email },
        to: p.to,
        subject: made.subject,
        text: made.text,
        html: made.html,
        attachments: made.attachments,
        // A logo embedded as a data: URI becomes an inline attachment: many mail clients block data: images.
        attachDataUrls: true,
        headers: { 'X-Synecdoche-Report': `${p.kind}/${p.key}/${day}` },
        // Clients may answer their summary with a request (collector/requests).
        ...summaryReplyTo(cfg, p.kind === 'monthly' && p.key === DIGEST_KEY ? 'digest' : p.kind),
      });
      markSent(db, claim, clock.now());
      if (shown.length > 0) markChannelFailuresShown(db, shown);
      this.log.info(where, `${WHAT[p.kind]} sent`);
      return { ...where, result: 'sent' };
    } catch (e) {
      const error = describeError(e);
      this.log.warn({ ...where, err: error }, 'report could not be sent; it will be retried and shown in the next digest');
      try {
        markFailed(db, claim, error);
        recordChannelFailure(db, channelOf(p), `${WHAT[p.kind]} for ${day}: ${error}`, clock.now());
      } catch (e2) {
        this.log.error({ err: describeError(e2) }, 'a failed send could not be recorded');
      }
      return { ...where, result: 'failed', error };
    }
  }

  private reportInterrupted(): void {
    const stale = interruptedSends(this.deps.db, this.deps.clock.now(), this.deps.interruptedAfterMinutes ?? 30);
    for (const r of stale) {
      const channel = channelOf({ kind: r.kind, key: r.key });
      recordChannelFailure(this.deps.db, channel, `${WHAT[r.kind]} for ${r.day}: the collector (${r.claimedBy}) stopped while sending it; it may not have been delivered`, this.deps.clock.now());
      this.log.warn({ kind: r.kind, key: r.key, day: r.day }, 'an interrupted send was found; it is not repeated (at most once a day)');
    }
  }
}

/** What a send is called in logs and in the digest's delivery failures. */
const WHAT: Record<SendKind, string> = { digest: 'digest', client: 'summary', monthly: 'monthly report' };

/** "digest-email", "client-email:<id>" or "monthly-email:<id|consultant>": the channel name in alert_failures. */
export function channelOf(p: { kind: SendKind; key: string }): string {
  return p.kind === 'digest' ? 'digest-email' : `${p.kind}-email:${p.key}`;
}
