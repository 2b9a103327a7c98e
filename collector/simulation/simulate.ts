import type { SendMailOptions } from 'nodemailer';
import { FakeClock } from '../../core/clock.ts';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { silentLogger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import type { SiteKeyPair } from '../../core/result/keys.ts';
import { runAlerts } from '../alerts/run.ts';
import { ingestContext } from '../ingest/classify.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { buildDigest, statusAt } from '../report/digest/build.ts';
import type { DigestModel } from '../report/digest/model.ts';
import { DailyScheduler } from '../schedule/daily.ts';
import { openStore, type Db } from '../store/db.ts';
import { recordPollError, recordPollGood } from '../store/polls.ts';
import { expectedAttention } from './oracle.ts';
import { buildTimeline, occurrencesOf, type Incidents, type SimMessage, type Timeline } from './timeline.ts';
import type { World } from './world.ts';

/**
 * Runs the simulated month with a fake clock and no waiting. Each consultant morning: the
 * reports that reached the mailbox since the last poll are encoded and signed as agents do
 * (encodeResultEmail + buildRaw) and ingested in one batch through the real ingest path (or,
 * on a blind morning, the poll fails and they wait for the next); alerts run as after a poll;
 * then the real daily scheduler sends the digest, built by buildDigest. The result pairs what
 * the digest listed under "needs attention" with what the oracle says it must list.
 */
export interface Morning {
  date: string;
  at: Date;
  expected: Set<string>;
  actual: Set<string>;
  subject: string;
  /** Subjects of the alert emails sent after this morning's poll. */
  alerts: string[];
  ingested: number;
}

export interface Simulation {
  db: Db;
  timeline: Timeline;
  mornings: Morning[];
}

/** "kind|client|site|job", with late and missing both "overdue", as the oracle writes them. */
export function attentionKeys(model: DigestModel): Set<string> {
  return new Set(
    model.attention.map((a) => `${a.kind === 'late' || a.kind === 'missing' ? 'overdue' : a.kind}|${a.clientName ?? ''}|${a.siteId ?? ''}|${a.jobName ?? ''}`),
  );
}

function capturingSender(into: SendMailOptions[]): MailSender {
  return {
    async send(m) {
      into.push(m);
      return { messageId: `<${into.length}@sim>`, response: '250 ok' };
    },
    async verify() {},
    close() {},
  };
}

export async function simulate(world: World, inc: Incidents, opts: { from: Date; firstMorning: Date; to: Date; forger: SiteKeyPair }): Promise<Simulation> {
  const { cfg } = world;
  const db = openStore(cfg.database.path);
  const timeline = buildTimeline(world, inc, opts.from, opts.to, opts.forger);
  const clock = new FakeClock(opts.from);
  const ctx = ingestContext(cfg, { source: world.mailbox, clock, log: silentLogger });
  const sent: SendMailOptions[] = [];
  const alertMails: SendMailOptions[] = [];
  const models = new Map<string, DigestModel>();
  const scheduler = new DailyScheduler({
    db, cfg, clock, sender: capturingSender(sent), log: silentLogger,
    plan: [{ kind: 'digest', key: 'consultant', timeZone: cfg.consultant.timeZone, hour: 7, minute: 0, to: [cfg.consultant.email] }],
    make: async (req) => {
      const d = buildDigest(db, cfg, { date: req.date, now: req.now });
      models.set(req.date, d.model);
      return { subject: d.subject, html: d.html, text: d.text };
    },
  });
  const ingestedAt = new Map<SimMessage, number>();
  let next = 0;
  let pending: SimMessage[] = [];
  const mornings: Morning[] = [];
  for (const at of occurrencesOf(`${0} ${7} * * *`, cfg.consultant.timeZone, opts.firstMorning, opts.to)) {
    const date = at.toLocaleDateString('en-CA', { timeZone: cfg.consultant.timeZone });
    const poll = new Date(at.getTime() - 30_000);
    while (next < timeline.messages.length && timeline.messages[next]!.receivedAt <= poll) pending.push(timeline.messages[next++]!);
    clock.set(poll);
    let ingested = 0;
    if (inc.blindMornings.includes(date)) {
      recordPollError(db, world.mailbox, 'maildir', 'connect ETIMEDOUT 10.0.0.25:993', poll.getTime());
    } else {
      const raws = await Promise.all(pending.map((m) => encode(m)));
      await ingestBatch(db, raws.map((raw, i) => ({ id: `${date}-${i}`, raw, receivedAt: pending[i]!.receivedAt })), ctx);
      for (const m of pending) ingestedAt.set(m, poll.getTime());
      ingested = pending.length;
      pending = [];
      recordPollGood(db, world.mailbox, 'maildir', poll.getTime());
    }
    const before = alertMails.length;
    await runAlerts(db, cfg, statusAt(db, cfg, poll), { sender: capturingSender(alertMails), now: poll });
    clock.set(at);
    await scheduler.sweep();
    const model = models.get(date);
    if (!model) throw new Error(`no digest was sent on the morning of ${date}`);
    mornings.push({
      date, at, ingested,
      expected: expectedAttention({ world, timeline, now: at, ingested: (m) => (ingestedAt.get(m) ?? Infinity) <= at.getTime(), blind: inc.blindMornings.includes(date) }),
      actual: attentionKeys(model),
      subject: model.subject,
      alerts: alertMails.slice(before).map((m) => String(m.subject)),
    });
  }
  return { db, timeline, mornings };
}

async function encode(m: SimMessage): Promise<Buffer> {
  const { message } = encodeResultEmail(m.payload, { from: `agent@${m.siteId}.example`, to: 'backups@example.com', ...m.keys });
  return buildRaw(message);
}
