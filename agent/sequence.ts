import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SynError } from '../core/errors.ts';
import { ensureFolder } from '../core/folder.ts';
import { writeFileAtomic } from './atomic.ts';

/**
 * Per-job sequence numbers, one small file per job under `<stateDir>/sequence/`. The number is
 * incremented and written atomically BEFORE the report is written, so a crash can leave a gap
 * (the collector shows "1 report never arrived") but never a repeat. The caller holds the job
 * lock, which serialises increments across processes.
 */
export function nextSequence(stateDir: string, jobId: string): number {
  const dir = join(stateDir, 'sequence');
  ensureFolder(dir, 'stateDir');
  const path = join(dir, `${jobId}.json`);
  const next = currentSequence(stateDir, jobId) + 1;
  writeFileAtomic(path, `${JSON.stringify({ jobId, sequence: next })}\n`);
  return next;
}

/** The last sequence number used for a job (0 when none). */
export function currentSequence(stateDir: string, jobId: string): number {
  const path = join(stateDir, 'sequence', `${jobId}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new SynError('INTERNAL', `cannot read sequence file ${path}`, { cause: e });
  }
  const n = (JSON.parse(text) as { sequence?: unknown }).sequence;
  // A damaged file must not silently restart at 1: that would look like a replay to the collector.
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new SynError('INTERNAL', `sequence file ${path} is damaged: ${text.slice(0, 100)}`);
  return n;
}
