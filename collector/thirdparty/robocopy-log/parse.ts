import { decodeLog } from '../../../plugins/robocopy/decode.ts';
import { parseRobocopyLog } from '../../../plugins/robocopy/parse.ts';
import { findLog, mailedLogs, noLogReport, reportFromOutcome } from '../logs.ts';
import type { Notification, ThirdPartyParser, ThirdPartyReport } from '../types.ts';

/**
 * A robocopy log mailed by a script (a /LOG or /UNILOG file attached, or the console output as
 * the body), read by the robocopy plugin's parser (plugins/robocopy/parse.ts), which also
 * guesses the log's code page (UTF-16, cp850, cp866, cp932 ...). Without an exit code in the
 * mail, the summary table decides; a log without one is failed.
 */

/** The banner every run opens with, in every language. */
const BANNER = /^\s*ROBOCOPY\s+::\s+\S/m;

function robocopyLog(n: Notification) {
  // An attachment is decoded the way robocopy wrote it (UTF-16 /UNILOG, OEM code pages).
  for (const l of mailedLogs(n)) {
    const text = l.where.startsWith('attachment') ? decodeLog(l.bytes).text : l.text;
    if (BANNER.test(text)) return { ...l, text };
  }
  return null;
}

export const robocopyLogParser = {
  name: 'robocopy-log',
  tool: 'robocopy',
  description: 'a robocopy log (/LOG, /UNILOG or console output) that a script mailed, attached or as the body',
  recognises(n: Notification): boolean {
    try {
      return robocopyLog(n) !== null;
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const log = robocopyLog(n);
      if (!log) return findLog(n, () => true) ? noLogReport('robocopy-log', 'robocopy', n) : null;
      return reportFromOutcome('robocopy-log', 'robocopy', n, log, parseRobocopyLog(log.bytes, null));
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
