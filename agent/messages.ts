import { existsSync } from 'node:fs';
import { formatBytes } from '../core/templates.ts';
import type { Progress } from '../plugins/types.ts';
import type { ResultPayload } from '../core/result/schema.ts';
import type { FlushReport } from './outbox.ts';

/** The human line for a finished run: "job nightly: ok, 12 copied, report sent". */
export function runLine(p: ResultPayload, reportFile: string, flush: FlushReport | undefined): string {
  const why = p.status === 'ok' ? '' : p.errors[0] ? ` (${p.errors[0].message})` : '';
  const counts = `${p.files.copied} copied${p.files.failed ? `, ${p.files.failed} failed` : ''}`;
  return `job ${p.job.id}: ${p.status}${why}, ${counts}, ${sendPhrase(reportFile, flush)}`;
}

/** "report sent", or why it waits and what to do. */
export function sendPhrase(reportFile: string, flush: FlushReport | undefined): string {
  const name = reportFile.split(/[\\/]/).pop()!;
  if (!flush) return 'report written to the outbox';
  const failure = flush.failures.find((f) => f.file === name);
  if (!existsSync(reportFile)) return `report sent${flush.sent > 1 ? ` (with ${flush.sent - 1} older waiting report${flush.sent > 2 ? 's' : ''})` : ''}`;
  const reason = failure?.message ?? flush.stoppedBy ?? 'not sent';
  const what = failure?.permanent ? 'SMTP refused it' : 'SMTP down';
  return `report kept in outbox: ${what} (${reason}); run \`synecdoche agent flush\` later`;
}

/** The human line for `agent flush`. */
export function flushLine(r: FlushReport): string {
  const parts = [`sent ${r.sent} report${r.sent === 1 ? '' : 's'}`];
  if (r.bad) parts.push(`${r.bad} unreadable file${r.bad === 1 ? '' : 's'} moved to outbox/bad/`);
  if (r.pending) parts.push(`${r.pending} still waiting: ${r.stoppedBy ?? r.failures[0]?.message ?? 'unknown reason'}`);
  return parts.join(', ');
}

/** Progress on one terminal line, at most ten updates a second (only when stdout is a TTY). */
export function progressPrinter(stream: NodeJS.WritableStream): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const of = p.total !== undefined ? `/${p.total}` : '';
    stream.write(`\r\x1b[K${p.phase}: ${p.done}${of}${p.bytes !== undefined ? `, ${formatBytes(p.bytes)}` : ''}`);
  };
}
