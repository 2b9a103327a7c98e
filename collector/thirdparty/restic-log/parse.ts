import { parseResticOutput } from '../../../plugins/restic/parse.ts';
import { findLog, noLogReport, reportFromOutcome } from '../logs.ts';
import type { Notification, ThirdPartyParser, ThirdPartyReport } from '../types.ts';

/**
 * A restic backup log mailed by a script: the text output (`Files: N new, ...`, `snapshot X
 * saved`) or the `--json` lines, attached or as the body, read by the restic plugin's parser
 * (plugins/restic/parse.ts). A log without restic's summary is failed: no snapshot to trust.
 */

const SIGNATURE = /^(?:Files:\s+\d+ new,\s+\d+ changed|snapshot [0-9a-f]{8,64} saved$|\{"message_type":"(?:summary|error|status)"|Fatal: (?:unable to open (?:config file|repository)|wrong password)|using parent snapshot [0-9a-f]{8}|open repository$)/m;

export function looksLikeResticLog(text: string): boolean {
  return SIGNATURE.test(text);
}

export const resticLogParser = {
  name: 'restic-log',
  tool: 'restic',
  description: 'a restic backup log (text or --json) that a script mailed, attached or as the body',
  recognises(n: Notification): boolean {
    return findLog(n, looksLikeResticLog) !== null;
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const log = findLog(n, looksLikeResticLog);
      if (!log) return n.text || n.html || n.attachments.length ? noLogReport('restic-log', 'restic', n) : null;
      return reportFromOutcome('restic-log', 'restic', n, log, parseResticOutput(log.text, null));
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
