import type { DrillPayload } from '../../core/result/schema.ts';
import { sendPhrase } from '../messages.ts';
import type { FlushReport } from '../outbox.ts';

/** The human line for `agent drill`: "drill of job files: ok, 20 of 4,312 files restored and verified, report sent". */
export function drillLine(p: DrillPayload, reportFile: string, flush: FlushReport | undefined): string {
  const why = p.status === 'ok' ? '' : p.errors[0] ? ` (${p.errors[0].path ? `${p.errors[0].path}: ` : ''}${p.errors[0].message})` : '';
  const v = p.verification;
  const checked = v ? `, ${p.sample.files} of ${p.sample.ofFiles} files restored, ${v.mismatches} mismatch${v.mismatches === 1 ? '' : 'es'}, ${p.sourceCompared.checked} compared with the source` : '';
  return `drill of job ${p.job.id}: ${p.status}${why}${checked}, ${sendPhrase(reportFile, flush)}`;
}
