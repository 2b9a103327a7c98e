/**
 * The subjects Proxmox Backup Server gives its job mails (src/server/email_notifications.rs before
 * 3.2, templates/default/*-subject.txt.hbs since). They only ever claim an outcome: the parser
 * reads the outcome from the body and uses the subject for the operation, datastore and job when
 * the body is missing or cut off.
 */

export type Operation = 'verify' | 'prune' | 'garbage-collection' | 'sync' | 'tape-backup';

export interface SubjectInfo {
  operation: Operation;
  /** The local datastore the subject names (sync subjects name the source store instead). */
  store: string | null;
  /** Tape backup subjects name the job; the others do not. */
  jobId: string | null;
  /** Sync: the remote and the store on it (or the local source store). */
  remote: string | null;
  sourceStore: string | null;
}

// The 3.2+ subject templates end with a newline that proxmox-notify turns into a trailing space.
const VERDICT = String.raw`(?:successful|failed)\s*$`;
const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => SubjectInfo][] = [
  [new RegExp(String.raw`^Verify Datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('verify', { store: m[1] })],
  [new RegExp(String.raw`^Garbage Collect Datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('garbage-collection', { store: m[1] })],
  [new RegExp(String.raw`^Prun(?:e|ing) datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('prune', { store: m[1] })],
  [new RegExp(String.raw`^Sync remote '(.+?)' datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('sync', { remote: m[1], sourceStore: m[2] })],
  [new RegExp(String.raw`^Sync local datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('sync', { sourceStore: m[1] })],
  [new RegExp(String.raw`^Tape Backup (?:'(.+?)' )?datastore '(.+)' ${VERDICT}`, 'i'), (m) => info('tape-backup', { jobId: m[1], store: m[2] })],
];

function info(operation: Operation, v: Partial<Record<'store' | 'jobId' | 'remote' | 'sourceStore', string | undefined>>): SubjectInfo {
  return { operation, store: v.store ?? null, jobId: v.jobId ?? null, remote: v.remote ?? null, sourceStore: v.sourceStore ?? null };
}

/** The subject read, or null when it is not one of PBS's job subjects. */
export function readSubject(subject: string): SubjectInfo | null {
  const s = subject.trim().slice(0, 2000);
  for (const [re, build] of PATTERNS) {
    const m = re.exec(s);
    if (m) return build(m);
  }
  return null;
}
