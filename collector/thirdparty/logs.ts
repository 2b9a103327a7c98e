import { formatBytes } from '../../core/units.ts';
import type { PluginOutcome } from '../../plugins/types.ts';
import { htmlToPlain } from './html.ts';
import { noCounts, type Notification, type ThirdPartyReport } from './types.ts';

/**
 * Logs that a script mails (rsync, robocopy, restic): the log is an attachment or the body. The
 * parsers of those folders only find the log; reading it is the agent plugin's own parser
 * (`plugins/<tool>/parse.ts`), so that a mailed log and a log the agent ran are read the same.
 */

/** One place in a mail that may hold a log: an attachment (first), the text body, the HTML body. */
export interface MailedLog {
  where: string;
  bytes: Buffer;
  text: string;
}

const BINARY = /^(image|audio|video)\/|^application\/(pdf|zip|gzip|x-7z)/i;

export function mailedLogs(n: Notification): MailedLog[] {
  const out: MailedLog[] = [];
  for (const a of n.attachments) {
    if (BINARY.test(a.contentType)) continue;
    out.push({ where: `attachment ${a.filename ?? '(no name)'}`, bytes: a.content, text: a.content.toString('utf8') });
  }
  if (n.text.trim()) out.push({ where: 'body', bytes: Buffer.from(n.text), text: n.text });
  else if (n.html.trim()) {
    const text = htmlToPlain(n.html);
    out.push({ where: 'HTML body', bytes: Buffer.from(text), text });
  }
  return out;
}

/** The first mailed log the test accepts, or null. Never throws. */
export function findLog(n: Notification, looksLikeLog: (text: string) => boolean): MailedLog | null {
  try {
    return mailedLogs(n).find((l) => looksLikeLog(l.text)) ?? null;
  } catch {
    return null;
  }
}

/** The job of a mailed log: the subject (a script names its job there), else the tool. */
function jobOf(n: Notification, tool: string): string {
  return (n.subject.replace(/^(re|fwd?):\s*/i, '').trim() || tool).slice(0, 500);
}

/** A report from what the plugin's parser read. */
export function reportFromOutcome(parser: string, tool: string, n: Notification, log: MailedLog, o: PluginOutcome): ThirdPartyReport {
  const { files, bytes } = o;
  const said = o.status === 'ok' ? 'ok' : o.status === 'warning' ? 'with warnings' : 'failed';
  const counts = `${files.copied.toLocaleString('en-US')} of ${files.examined.toLocaleString('en-US')} files copied${bytes.examined ? ` (${formatBytes(bytes.examined)} in all)` : ''}`;
  const why = o.status === 'ok' ? '' : `: ${o.errors[0]?.message ?? 'no reason given'}`;
  const what = o.status === 'failed' && files.examined === 0 ? '' : `: ${counts}`;
  return {
    tool: parser,
    job: jobOf(n, tool),
    host: null,
    operation: 'backup',
    status: o.status,
    startedAt: null,
    endedAt: null,
    files: { examined: files.examined, copied: files.copied, failed: files.failed },
    bytes: { examined: bytes.examined, copied: bytes.copied, failed: null },
    errors: o.errors.slice(0, 50).map((e) => e.message.slice(0, 2000)),
    summary: `${tool} log (${log.where}) ${said}${what}${why}`.slice(0, 1000),
    objects: [],
  };
}

/** A mail from a log rule that holds no log of the tool: the script ran into trouble before the tool did. */
export function noLogReport(parser: string, tool: string, n: Notification): ThirdPartyReport {
  return {
    tool: parser,
    job: jobOf(n, tool),
    host: null,
    operation: 'backup',
    status: 'failed',
    startedAt: null,
    endedAt: null,
    files: noCounts(),
    bytes: noCounts(),
    errors: [`no ${tool} log found in the mail (neither attached nor in the body)`],
    summary: `no ${tool} log found in the mail`,
    objects: [],
  };
}
