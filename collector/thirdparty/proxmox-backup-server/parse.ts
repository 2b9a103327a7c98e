import { htmlToPlain } from '../html.ts';
import type { Notification, ThirdPartyParser, ThirdPartyReport } from '../types.ts';
import { looksLikePbsBody, readBody } from './body.ts';
import { toReport } from './report.ts';
import { readSubject } from './subject.ts';

/**
 * Proxmox Backup Server's job mails: verify, prune, garbage collection, sync and tape backup
 * (server-side jobs; PBS sends no mail per client backup). Legacy mails (before 3.2, and the
 * "legacy-sendmail" mode since) and notification-system mails (3.2+) share the same text: label
 * lines, one verdict line, a link to the web interface. Both carry a text/plain part and an HTML
 * part that is the same text in a <pre>.
 */

function bodyText(n: Notification): string {
  return n.text.trim() ? n.text : htmlToPlain(n.html);
}

export const proxmoxBackupServerParser = {
  name: 'proxmox-backup-server',
  tool: 'Proxmox Backup Server',
  description: 'Proxmox Backup Server job mails (verify, prune, garbage collection, sync, tape backup): verdict line, Job ID, datastore, GC statistics',
  recognises(n: Notification): boolean {
    try {
      return readSubject(n.subject) !== null || looksLikePbsBody(bodyText(n));
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const subject = readSubject(n.subject);
      const text = bodyText(n);
      if (!subject && !looksLikePbsBody(text)) return null;
      return toReport(subject, readBody(text));
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
