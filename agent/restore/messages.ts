import { createInterface } from 'node:readline/promises';
import { formatBytes } from '../../core/templates.ts';
import type { RestorePayload } from '../../core/result/schema.ts';
import type { FlushReport } from '../outbox.ts';
import { sendPhrase } from '../messages.ts';

/** The human summary of a restore: "restore documents: ok, 12 restored (3.4 MB) into /r, 12 verified by sha256; report sent". */
export function restoreLine(p: RestorePayload, reportFile: string, flush: FlushReport | undefined): string {
  const why = p.status === 'ok' ? '' : p.errors[0] ? ` (${p.errors[0].message})` : '';
  const v = p.verification;
  const checked = v
    ? v.mismatches > 0
      ? `${v.mismatches} did NOT match the backup-time hash (${v.checked} checked)`
      : p.sizeOnly
        ? `${v.checked - p.sizeOnly} verified by ${v.algorithm}, ${p.sizeOnly} by size only (the backup recorded no hash)`
        : `${v.checked} verified by ${v.algorithm}`
    : 'not verified';
  const failed = p.files.failed ? `, ${p.files.failed} failed` : '';
  return `restore ${p.job.id}: ${p.status}${why}, ${p.files.restored} restored (${formatBytes(p.bytes.restored)})${failed} into ${p.target}, ${checked}; ${sendPhrase(reportFile, flush)}`;
}

/** Asks at a terminal for the job id before an in-place restore; true when it was typed exactly. */
export async function confirmAtTerminal(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, jobId: string, source: string): Promise<boolean> {
  const rl = createInterface({ input, output });
  try {
    const answer = await rl.question(`This restore writes OVER the source ${source}. Type the job id (${jobId}) to go on: `);
    return answer.trim() === jobId;
  } finally {
    rl.close();
  }
}
