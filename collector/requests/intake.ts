import type { MessageFacts } from '../../core/email/decode.ts';
import type { ForeignMail } from '../../core/email/lean.ts';
import { localDate } from '../../core/time.ts';
import type { CollectorConfig } from '../config.ts';
import type { Applied } from '../ingest/apply.ts';
import { insertRequest, requestByMessageId, type NewRequest } from '../store/client-requests.ts';
import type { Db } from '../store/db.ts';
import type { MessageRow } from '../store/messages.ts';
import { findRequestLine, parseRequest, type JobRef, type RequestLine } from './grammar.ts';
import { freshText } from './text.ts';

/** What intake needs of the config, built once with the ingest context. */
export interface RequestIntake {
  /** requests.address, lower case; null when not configured. */
  address: string | null;
  /** Contact address (lower case) -> the ids of the clients it is a contact of. */
  contacts: ReadonlyMap<string, readonly string[]>;
  /** Client id -> its time zone and the ids of its agent sites. */
  clients: ReadonlyMap<string, { zone: string; sites: readonly string[] }>;
}

export function requestIntake(cfg: CollectorConfig): RequestIntake {
  const contacts = new Map<string, string[]>();
  for (const c of cfg.clients) for (const a of c.contacts) contacts.set(a.toLowerCase(), [...(contacts.get(a.toLowerCase()) ?? []), c.id]);
  const clients = new Map(cfg.clients.map((c) => [c.id, { zone: c.timeZone, sites: cfg.sites.filter((s) => s.client === c.id).map((s) => s.id) }]));
  return { address: cfg.requests.address?.toLowerCase() ?? null, contacts, clients };
}

/** A mail taken as a client request, before the store resolves its job. */
export interface IntakeMail {
  from: string;
  /** The clients the sender is a contact of; empty for a stranger. */
  clientIds: readonly string[];
  /** The line that asks, or null when none could be found. */
  line: RequestLine | null;
}

/**
 * Is this foreign mail a client request? Yes when it comes from a client contact and either is
 * addressed to requests.address or has a line starting with BACKUP or RESTORE; with
 * `strangers`, also when it comes from anyone else but is addressed to requests.address (the
 * caller asks that only after the third-party rules had their turn, so a backup tool's mail to
 * that address is still read as a notification). Automatic replies (out of office) never are.
 * Pure: the sender is the From header, which anyone can forge; the consultant's approval is
 * what makes a request act.
 */
export function recogniseRequest(mail: ForeignMail, facts: MessageFacts, intake: RequestIntake, strangers: boolean): IntakeMail | null {
  const from = facts.from?.toLowerCase() ?? null;
  if (from === null || isAutomatic(mail)) return null;
  const toUs = intake.address !== null && recipients(mail).includes(intake.address);
  const clientIds = intake.contacts.get(from) ?? [];
  if (clientIds.length === 0) return strangers && toUs ? { from, clientIds, line: findRequestLine(freshText(mail)) } : null;
  if (strangers) return null;
  const line = findRequestLine(freshText(mail));
  return line || toUs ? { from, clientIds, line } : null;
}

/** To, Cc and Delivered-To (a plus address or a Bcc shows only there). */
function recipients(mail: ForeignMail): string[] {
  const delivered = mail.headers.get('delivered-to') as ForeignMail['to'];
  const lists = [mail.to, mail.cc, delivered].flatMap((l) => (l === undefined ? [] : Array.isArray(l) ? l : [l]));
  return lists.flatMap((l) => l.value.map((v) => v.address?.toLowerCase() ?? ''));
}

/** RFC 3834 Auto-Submitted, and the Precedence and X-Autoreply headers older programs use. */
function isAutomatic(mail: ForeignMail): boolean {
  const h = (name: string) => {
    const v = mail.headers.get(name);
    return String((typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v) ?? '').trim().toLowerCase();
  };
  const auto = h('auto-submitted');
  return (auto !== '' && auto !== 'no') || /^(bulk|junk|list|auto_reply)$/.test(h('precedence')) || h('x-autoreply') !== '' || h('x-autorespond') !== '';
}

/** The agent jobs of these sites, as a client may name them. */
export function jobsOfSites(db: Db, sites: readonly string[]): JobRef[] {
  if (sites.length === 0) return [];
  const marks = sites.map(() => '?').join(', ');
  return db
    .prepare<string[], { site_id: string; job_id: string; name: string }>(`SELECT site_id, job_id, name FROM jobs WHERE site_id IN (${marks}) AND rule IS NULL ORDER BY site_id, job_id`)
    .all(...sites)
    .map((r) => ({ siteId: r.site_id, jobId: r.job_id, name: r.name }));
}

/**
 * Records a request mail (inside the batch transaction). A stranger's mail is refused and kept,
 * unanswered; a mail with no request line, or one naming no job of the sender's client, is
 * refused and answered with the grammar; a request naming another client's job is refused as
 * such (the client is told only that no backup of theirs has that name). Only a request that
 * names one of the client's own jobs is queued. The message itself is `accepted`, its detail
 * naming the request; the same Message-ID again is a duplicate.
 */
export function applyClientRequest(db: Db, m: IntakeMail, intake: RequestIntake, row: Pick<MessageRow, 'receivedAt' | 'messageId'>, now: number): Applied {
  void now;
  if (row.messageId !== null) {
    const earlier = requestByMessageId(db, row.messageId);
    if (earlier) return { disposition: 'duplicate', reason: null, detail: null, siteId: null, runId: null };
  }
  const base = { from: m.from, via: 'email' as const, receivedAt: row.receivedAt, messageId: row.messageId, rawLine: m.line?.line ?? '' };
  const req = resolveRequest(db, m, intake, row.receivedAt, base);
  const id = insertRequest(db, req);
  return { disposition: 'accepted', reason: null, detail: JSON.stringify({ clientRequest: id, state: req.state, note: req.note }), siteId: null, runId: null };
}

/** What a request mail amounts to, against the jobs in the store. Also used by the dashboard's form. */
export function resolveRequest(db: Db, m: IntakeMail, intake: RequestIntake, at: number, base: Pick<NewRequest, 'from' | 'via' | 'receivedAt' | 'messageId' | 'rawLine'>): NewRequest {
  const action = m.line?.action ?? 'unknown';
  const none = { siteId: null, jobId: null, args: {} };
  if (m.clientIds.length === 0) {
    return { ...base, ...none, clientId: null, action, state: 'refused', silent: true, note: `${m.from} is not a contact of any client (clients[].contacts)` };
  }
  const clientId = m.clientIds[0]!;
  if (m.line === null) return { ...base, ...none, clientId, action, state: 'refused', note: 'not understood: no line starting with BACKUP or RESTORE' };
  const refused = (note: string, words: string): NewRequest => ({ ...base, ...none, args: { problem: words }, clientId, action, state: 'refused', note });
  const own = m.clientIds.flatMap((c) => jobsOfSites(db, intake.clients.get(c)?.sites ?? []));
  const zone = intake.clients.get(clientId)?.zone ?? 'UTC';
  const today = localDate(at, zone);
  const parsed = parseRequest(m.line, own, today);
  if (!('problem' in parsed)) {
    const owner = m.clientIds.find((c) => intake.clients.get(c)?.sites.includes(parsed.job.siteId)) ?? clientId;
    const args = parsed.action === 'restore' ? { paths: parsed.paths, ...(parsed.asOf ? { asOf: parsed.asOf } : {}) } : {};
    return { ...base, clientId: owner, action: parsed.action, siteId: parsed.job.siteId, jobId: parsed.job.jobId, args, state: 'pending', note: null };
  }
  if (parsed.problem === 'unknown-job') {
    const others = [...intake.clients].filter(([c]) => !m.clientIds.includes(c)).flatMap(([, v]) => v.sites);
    const theirs = parseRequest(m.line, jobsOfSites(db, others), today);
    if (!('problem' in theirs) || theirs.problem !== 'unknown-job') {
      const named = 'problem' in theirs ? parsed.named : `${theirs.job.siteId}/${theirs.job.jobId}`;
      return refused(`names ${named}, a job of another client`, parsed.words);
    }
  }
  return refused(`not understood: ${parsed.words}`, parsed.words);
}
