import { parseRsyncOutput } from '../../../plugins/rsync/parse.ts';
import { findLog, noLogReport, reportFromOutcome } from '../logs.ts';
import type { Notification, ThirdPartyParser, ThirdPartyReport } from '../types.ts';

/**
 * An rsync log mailed by a script, attached or as the body: console output (`-v`, `-i`,
 * `--stats`) or a `--log-file` log. Read by the rsync plugin's parser (plugins/rsync/parse.ts).
 * Without an exit code in the mail, the log's own "rsync error ... (code N)" line, its stats or
 * its closing "sent N bytes received N bytes" summary decide.
 */

/** Lines only rsync writes: its stats, its closing summary, its errors, its file-list banner. */
const SIGNATURE = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\d+\] )?(?:Number of regular files transferred: |Number of files transferred: |sent [\d.,']+[KMGTP]? bytes\s+received |rsync error: .*\(code \d+\)|rsync: \[(?:sender|receiver|generator)\]|(?:sending|receiving) incremental file list$)/m;

export function looksLikeRsyncLog(text: string): boolean {
  return SIGNATURE.test(text);
}

export const rsyncLogParser = {
  name: 'rsync-log',
  tool: 'rsync',
  description: 'an rsync log (console output or --log-file) that a script mailed, attached or as the body',
  recognises(n: Notification): boolean {
    return findLog(n, looksLikeRsyncLog) !== null;
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const log = findLog(n, looksLikeRsyncLog);
      if (!log) return n.text || n.html || n.attachments.length ? noLogReport('rsync-log', 'rsync', n) : null;
      return reportFromOutcome('rsync-log', 'rsync', n, log, parseRsyncOutput(log.text, null));
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
