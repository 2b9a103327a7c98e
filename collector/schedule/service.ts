import type { Clock } from '../../core/clock.ts';
import { describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { smtpSender, type MailSender } from '../../core/mail/smtp.ts';
import { runAlerts } from '../alerts/run.ts';
import type { FetchLike } from '../alerts/webhook.ts';
import type { CollectorConfig } from '../config.ts';
import { toStatusParams } from '../config.ts';
import { addMonths } from '../report/monthly/month.ts';
import { produceReport, type ReportRequest } from '../report/produce.ts';
import { DIGEST_KEY } from './plan.ts';
import { evaluateStatus } from '../status/engine.ts';
import type { Db } from '../store/db.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { DailyScheduler, type ReportMaker, type SendOutcome } from './daily.ts';
import { clientRequestsPass } from '../requests/pass.ts';

/**
 * The production ReportMaker: produceReport renders the report, makes the PDF when a browser is
 * found, and archives both before anything is sent; the PDF travels as an attachment. A monthly
 * send describes the month before the day it is sent (on 1 December: November).
 */
export function producingMaker(db: Db, cfg: CollectorConfig, opts: { clock: Clock; env: NodeJS.ProcessEnv; pdf?: boolean }): ReportMaker {
  const browser = cfg.pdf.browser;
  return async (req) => {
    const wanted: ReportRequest = req.kind === 'digest'
      ? { kind: 'digest' }
      : req.kind === 'client'
        ? { kind: 'client', clientId: req.key }
        : { kind: 'monthly', clientId: req.key === DIGEST_KEY ? null : req.key, month: addMonths(req.date.slice(0, 7), -1) };
    const r = await produceReport(db, cfg, wanted, {
      date: req.date, now: req.now, pdf: opts.pdf ?? true, clock: opts.clock, env: opts.env, browser,
    });
    return {
      subject: r.subject, html: r.html, text: r.text,
      attachments: r.pdf ? [{ filename: `${r.stem}.pdf`, content: r.pdf, contentType: 'application/pdf' }] : [],
    };
  };
}

export interface CollectorServices {
  /** For CollectorCliDeps.onAfterPoll: alerts from the fresh status after every pass. Never throws. */
  onAfterPoll: () => Promise<void>;
  /** The first sweep of the daily scheduler (catch-up of a digest whose time has passed), after the first poll of every mailbox. */
  started: Promise<SendOutcome[]>;
  /** Cancels the timers and waits for sends and alerts in progress: call before closing the database. */
  stop(): Promise<void>;
}

/** How often alerts are evaluated besides after every poll. */
export const ALERT_CHECK_MS = 60_000;

/**
 * What `collector run` runs beside the mailbox loops: the daily digest and client summaries,
 * and alerts after each poll and every ALERT_CHECK_MS. Without `smtp:` in the config nothing can be mailed: that is logged
 * as an error at start (the digest IS the signal that monitoring works) and the webhook, if
 * configured, still gets alerts.
 */
export function startCollectorServices(
  l: { db: Db; cfg: CollectorConfig; clock: Clock; log: Logger },
  env: NodeJS.ProcessEnv,
  deps: { sender?: MailSender; make?: ReportMaker; fetch?: FetchLike; pdf?: boolean; firstPollWaitMs?: number; alertCheckMs?: number } = {},
): CollectorServices {
  const sender = deps.sender ?? (l.cfg.smtp ? smtpSender(l.cfg.smtp, env) : undefined);
  let scheduler: DailyScheduler | undefined;
  // The scheduler starts only once every mailbox has had its first pass (or after a time limit,
  // for a mailbox that hangs): a collector started at 07:05 must send the 07:00 digest with what
  // arrived overnight, not from the database as it was before the poll.
  let resolveStarted: (v: Promise<SendOutcome[]>) => void = () => undefined;
  const started = new Promise<SendOutcome[]>((resolve) => (resolveStarted = resolve));
  let startTimer: NodeJS.Timeout | undefined;
  let passes = 0;
  const startScheduler = () => {
    if (startTimer === undefined) return;
    clearTimeout(startTimer);
    startTimer = undefined;
    resolveStarted(scheduler ? scheduler.start() : Promise.resolve([]));
  };
  startTimer = setTimeout(startScheduler, deps.firstPollWaitMs ?? 120_000);
  startTimer.unref?.();
  if (sender) {
    scheduler = new DailyScheduler({
      db: l.db, cfg: l.cfg, clock: l.clock, sender, log: l.log.child({ part: 'daily' }),
      make: deps.make ?? producingMaker(l.db, l.cfg, { clock: l.clock, env, pdf: deps.pdf }),
    });
  } else {
    l.log.error('no "smtp:" in the config: no digest, client summary or alert email can be sent');
  }
  const alertLog = l.log.child({ part: 'alerts' });
  let chain: Promise<unknown> = Promise.resolve();
  const checkAlerts = () => {
    const run = chain.then(async () => {
      try {
        const now = l.clock.now();
        const report = evaluateStatus(loadStatusFacts(l.db, l.cfg), toStatusParams(l.cfg), now);
        await runAlerts(l.db, l.cfg, report, { sender, now, fetch: deps.fetch, log: alertLog });
      } catch (e) {
        alertLog.error({ err: describeError(e) }, 'status for alerts could not be evaluated');
      }
    });
    chain = run;
    return run;
  };
  const onAfterPoll = () => {
    if (++passes >= Math.max(1, l.cfg.mailboxes.length)) startScheduler();
    // Client requests: outcomes of their commands, then what their clients have not been told yet.
    const run = checkAlerts().then(() => clientRequestsPass(l.db, l.cfg, sender, l.clock.now(), l.log.child({ part: 'requests' })));
    chain = run; // stop() waits for it too
    return run;
  };
  // Also on a timer: a mailbox that cannot be read never completes a pass, and an agent goes
  // silent with time alone; both must still be alerted on ("monitoring blind", "agent silent").
  // Not before the first passes (or their time limit): until then the database is as it was
  // when the collector stopped, and overnight reports not read yet would look missing.
  const alertTimer = setInterval(() => {
    if (startTimer === undefined) void checkAlerts();
  }, deps.alertCheckMs ?? ALERT_CHECK_MS);
  alertTimer.unref?.();
  return {
    onAfterPoll,
    started,
    async stop() {
      clearInterval(alertTimer);
      if (startTimer !== undefined) {
        clearTimeout(startTimer);
        startTimer = undefined;
        resolveStarted(Promise.resolve([]));
      }
      await scheduler?.stop();
      await chain.catch(() => undefined);
      if (!deps.sender) sender?.close();
    },
  };
}
