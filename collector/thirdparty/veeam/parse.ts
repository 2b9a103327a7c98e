import { noCounts, type Notification, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import { readMail } from './read.ts';
import { toReport } from './report.ts';

/**
 * Veeam Backup & Replication and Veeam Agent job mails. The subject is the user's choice (default
 * `[%JobResult%] %JobName% (%ObjectCount% VMs|objects) %Issues%`); the HTML body is one layout
 * for every job type (see read.ts) and carries the verdict: the result word in its header, the
 * summary counts and one row per VM or object. The body beats the subject; the subject only
 * names the job when the body is missing.
 */

/** The default subject: `[Success] Daily (3 VMs)`, `[Warning] Agent Backup Job (1 objects) 1 warning`. */
const SUBJECT = /^\s*\[(Success|Warning|Failed|Error)\]\s+(.+?)\s+\(\d+\s+(?:VMs?|objects?|machines?|computers?|instances?|servers?)\)/i;

/** The body's signature: a `... job: NAME` header, the summary's labels and the object table. */
function looksLikeJobMail(html: string): boolean {
  const h = html.length > 400_000 ? html.slice(0, 400_000) : html;
  if (!/\bjob:\s*[^\s<]/i.test(h)) return false;
  if (!/\bStart time\b/i.test(h) || !/\bEnd time\b/i.test(h) || !/\bDuration\b/i.test(h)) return false;
  if (!/\b(?:Total size|Backup size|Transferred)\b/i.test(h)) return false;
  return /class=["']?(?:x_)?(?:jobDescription|processObjectsHeader|sessionDetails)\b/i.test(h) || /\bVeeam\b/i.test(h);
}

/** A Veeam subject over a body with no job report in it: failed, naming the job. */
function subjectOnly(n: Notification): ThirdPartyReport | null {
  const m = SUBJECT.exec(n.subject);
  if (!m) return null;
  return {
    tool: 'veeam', job: m[2]!.slice(0, 500), host: null, operation: 'backup', status: 'failed', startedAt: null, endedAt: null,
    files: noCounts(), bytes: noCounts(), errors: ['the mail has no readable Veeam job report in its body'],
    summary: `Veeam job ${m[2]!.slice(0, 400)}: no job report in the body (the subject says ${m[1]})`, objects: [],
  };
}

export const veeamParser = {
  name: 'veeam',
  tool: 'Veeam Backup & Replication / Veeam Agent',
  description: 'Veeam B&R and Veeam Agent job mails: the HTML job report with its result, summary and one row per VM/object (worst object wins)',
  recognises(n: Notification): boolean {
    try {
      return SUBJECT.test(n.subject) || looksLikeJobMail(n.html);
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const mail = n.html ? readMail(n.html) : null;
      return mail ? toReport(mail, n.date) : subjectOnly(n);
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
