import { describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import type { CollectorConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import { followRequests } from './follow.ts';
import { sendRequestNotices } from './notify.ts';

/**
 * What runs after each poll (collector run, collector poll): approved requests whose command's
 * outcome came back move to done or failed, then clients are told what they have not been told
 * yet. Without a sender (no smtp:) nothing is mailed and the notices wait. Never throws.
 */
export async function clientRequestsPass(db: Db, cfg: CollectorConfig, sender: MailSender | undefined, now: Date, log: Logger): Promise<void> {
  try {
    followRequests(db, now);
    if (sender) await sendRequestNotices(db, cfg, sender, { now, log });
  } catch (e) {
    log.error({ err: describeError(e) }, 'client requests could not be followed up');
  }
}
