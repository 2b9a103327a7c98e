import { describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Db } from '../store/db.ts';
import { recordChannelFailure } from './failures.ts';
import type { AlertMessage } from './message.ts';

/**
 * One way of delivering an alert (email, webhook). Contract: `notify` resolves when the message
 * was accepted (SMTP accepted it, the webhook answered 2xx) and throws otherwise; it MUST NOT
 * retry by itself and MUST give up after its own timeout. Catching, logging and recording is
 * done in one place, `deliverAlerts`, never inside a transport.
 */
export interface AlertTransport {
  /** Stored in alert_failures.channel and shown in the digest: "email", "webhook". */
  readonly name: string;
  notify(message: AlertMessage): Promise<void>;
}

/**
 * Sends every message through every transport. A failing transport never throws out of here
 * (ingest and digests must go on): the failure is logged and recorded in alert_failures, where
 * the next digest shows it. Returns the number of failed deliveries.
 */
export async function deliverAlerts(
  db: Db,
  transports: readonly AlertTransport[],
  messages: readonly AlertMessage[],
  deps: { now: () => Date; log: Logger },
): Promise<number> {
  let failed = 0;
  for (const m of messages) {
    for (const t of transports) {
      try {
        await t.notify(m);
        deps.log.info({ channel: t.name, subject: m.subject }, 'alert sent');
      } catch (e) {
        failed++;
        const error = `${m.subject}: ${describeError(e)}`;
        deps.log.warn({ channel: t.name, subject: m.subject, err: describeError(e) }, 'alert could not be delivered');
        try {
          recordChannelFailure(db, t.name, error, deps.now());
        } catch (e2) {
          deps.log.error({ channel: t.name, err: describeError(e2) }, 'alert failure could not be recorded');
        }
      }
    }
  }
  return failed;
}
