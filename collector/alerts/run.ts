import { describeError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import type { TemplateSet } from '../../core/templates.ts';
import type { CollectorConfig } from '../config.ts';
import type { StatusReport } from '../status/types.ts';
import type { Db } from '../store/db.ts';
import type { AlertTransport } from './channel.ts';
import { deliverAlerts } from './channel.ts';
import { alertSettings } from './config.ts';
import { emailTransport } from './email.ts';
import { recordChannelFailure } from './failures.ts';
import { alertMessage } from './message.ts';
import { alertPolicy } from './policy.ts';
import { claimAlerts } from './state.ts';
import type { AlertEvent } from './transitions.ts';
import { webhookTransport, type FetchLike } from './webhook.ts';

export interface AlertDeps {
  /** The consultant's mail; without one, alert emails are skipped (and logged). */
  sender?: MailSender;
  now: Date;
  fetch?: FetchLike;
  log?: Logger;
  templates?: TemplateSet;
}

/**
 * Called after every poll (and every minute, see schedule/service.ts) with the fresh
 * StatusReport: decides which jobs, agents and mailboxes have a new problem, recovered, or need a
 * reminder (transitions.ts; claimed in the database first, so two collectors send each alert
 * once), and delivers them by email and webhook. Neither channel reads the watched mailboxes, so
 * a "monitoring blind" alert goes out while they cannot be read. Never throws: a channel that fails,
 * or even a database error here, must not stop ingest or the digests; failures are logged and
 * recorded for the next digest.
 */
export async function runAlerts(db: Db, cfg: CollectorConfig, report: StatusReport, deps: AlertDeps): Promise<{ events: AlertEvent[]; failed: number }> {
  const log = deps.log ?? silentLogger;
  try {
    const settings = alertSettings(cfg);
    const events = claimAlerts(db, report, deps.now, alertPolicy(settings, cfg.consultant.timeZone, deps.now));
    if (events.length === 0) return { events, failed: 0 };
    const transports: AlertTransport[] = [];
    if (settings.email && deps.sender) transports.push(emailTransport(deps.sender, cfg, deps.templates));
    else if (settings.email) log.warn('alert emails are on but no SMTP server is configured: alerts go only to the digest');
    if (settings.webhook) transports.push(webhookTransport(settings.webhook, deps.fetch));
    const failed = await deliverAlerts(db, transports, events.map((e) => alertMessage(e, cfg)), { now: () => deps.now, log });
    return { events, failed };
  } catch (e) {
    log.error({ err: describeError(e) }, 'alerts could not be processed');
    try {
      recordChannelFailure(db, 'alerts', describeError(e), deps.now);
    } catch {
      // the database itself is failing: the log line above is all we can do
    }
    return { events: [], failed: 1 };
  }
}
