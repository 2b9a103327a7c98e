import { worstStatus, type ReportObject } from '../types.ts';
import { versionIdentifierTime } from './dates.ts';
import { clip, linesOf, type Reading } from './reading.ts';

/**
 * The console output of `wbadmin start backup` / `wbadmin start systemstatebackup` that a
 * script captured and mailed, and the listing of `wbadmin get versions`.
 *
 * A run ends with `Summary of the backup operation:` and `The backup operation successfully
 * completed.`, then one line per volume (`The backup of volume (C:) completed successfully.`, or
 * `... successfully completed.` in older releases) or `The backup of the system state
 * successfully completed [time].`. Windows Server 2008 printed `Summary of backup:` /
 * `Backup of system state failed [time]`. Errors are `ERROR - <message>` lines or `The backup
 * operation stopped before completing.` followed by the reason.
 */

const OK = /^The backup operation successfully completed\.?$/i;
const STOPPED = /^The backup operation (?:stopped before completing|failed|has failed|was cancell?ed)\b/i;
const ERROR = /^ERROR\s+-\s+(.+)$/;
const DETAIL = /^Detailed error:\s*(.+)$/i;
const VOLUME_OK = /^The backup of volume (.+?) (?:completed successfully|successfully completed)\.?$/i;
const VOLUME_FAILED = /^(?:The )?backup of volume (.+?) (?:failed|did not complete|stopped before completing)\b[.:]?\s*(.*)$/i;
const VOLUME_STARTED = /^Creating a backup of volume (.+?), copied \(\d{1,3}%\)\.?$/i;
const STATE_OK = /^The backup of the system state successfully completed\b/i;
const STATE_FAILED = /^(?:The )?backup of (?:the )?system state failed\b/i;
const FAILED_LOG = /^Log of files for which backup failed/i;
const SUMMARY = /^Summary of (?:the )?backup(?: operation)?:$/i;
const VERSION_ID = /^Version identifier:\s*(.+)$/i;
const LOCATION = /^Backup (?:location|target):\s*(.+)$/i;
const NO_BACKUP = /^(?:ERROR - )?(?:No backup was found|There (?:are|is) no backups?\b)/i;

/** True when a text has wbadmin's own lines (cheap enough for recognises). */
export function looksLikeWbadmin(text: string): boolean {
  return /wbadmin 1\.0 - Backup command-line tool|^\s*Summary of (?:the )?backup(?: operation)?:\s*$|The backup of the system state successfully completed|Backup of system state failed|\\WindowsServerBackup\\|^\s*Version identifier: \d{2}\/\d{2}\/\d{4}-\d{2}:\d{2}\s*$/im.test(text);
}

function objectOf(name: string, status: ReportObject['status'], detail: string | null): ReportObject {
  return { name: clip(name, 500), status, detail: detail ? clip(detail) : null, bytes: null, startedAt: null, endedAt: null };
}

/** `wbadmin get versions`: evidence that backups exist; the newest identifier is when it ran. */
function readVersions(lines: string[]): Reading | null {
  const versions: { at: Date | null; location: string | null }[] = [];
  let location: string | null = null;
  for (const l of lines) {
    const loc = LOCATION.exec(l);
    if (loc) location = loc[1]!;
    const id = VERSION_ID.exec(l);
    if (id) versions.push({ at: versionIdentifierTime(id[1]!), location });
  }
  const none = lines.find((l) => NO_BACKUP.test(l) || ERROR.test(l));
  if (!versions.length && !none) return null;
  const dated = versions.filter((v) => v.at).sort((a, b) => b.at!.getTime() - a.at!.getTime());
  const newest = dated[0] ?? null;
  const ok = Boolean(newest) && !none;
  return {
    operation: 'list-versions',
    verdict: ok ? 'ok' : 'failed',
    startedAt: null,
    endedAt: newest?.at ?? null,
    host: null,
    errors: none ? [none] : ok ? [] : ['the versions listing has no readable version identifier'],
    warnings: [],
    objects: [],
    summary: newest
      ? `${versions.length} backup version${versions.length === 1 ? '' : 's'} listed, newest ${newest.at!.toISOString().slice(0, 16).replace('T', ' ')} UTC${newest.location ? ` on ${newest.location}` : ''}`
      : 'no backup version listed',
  };
}

/** The console output of one backup run, or null when the text has none of its lines. */
export function readWbadmin(text: string, subject: string): Reading | null {
  const lines = linesOf(text);
  const isRun = lines.some((l) => OK.test(l) || STOPPED.test(l) || SUMMARY.test(l) || VOLUME_STARTED.test(l) || VOLUME_OK.test(l) || STATE_OK.test(l) || STATE_FAILED.test(l));
  if (!isRun) {
    const versions = lines.some((l) => VERSION_ID.test(l)) || /get versions/i.test(subject) ? readVersions(lines) : null;
    if (versions) return versions;
  }
  const errors: string[] = [];
  const volumes = new Map<string, ReportObject>();
  let ok = false;
  let failed = false;
  let systemState = /systemstate/i.test(subject);
  let afterFailedLog = 0;
  const fail = (line: string) => {
    failed = true;
    errors.push(line);
  };
  for (const l of lines) {
    if (!l) {
      afterFailedLog = 0;
      continue;
    }
    let m: RegExpExecArray | null;
    if (OK.test(l)) ok = true;
    else if (STOPPED.test(l)) fail(l);
    else if ((m = ERROR.exec(l) ?? DETAIL.exec(l))) fail(m[0]);
    else if ((m = VOLUME_OK.exec(l))) volumes.set(m[1]!, objectOf(m[1]!, 'ok', null));
    else if ((m = VOLUME_FAILED.exec(l))) {
      volumes.set(m[1]!, objectOf(m[1]!, 'failed', m[2] || l));
      errors.push(l);
    } else if ((m = VOLUME_STARTED.exec(l))) {
      // Progress lines name a volume before its result line; one with no result was cut off.
      if (!volumes.has(m[1]!)) volumes.set(m[1]!, objectOf(m[1]!, 'failed', 'no result line for this volume: the output stops while it is being backed up'));
    } else if (STATE_OK.test(l)) {
      systemState = true;
      volumes.set('system state', objectOf('system state', 'ok', null));
    } else if (STATE_FAILED.test(l)) {
      systemState = true;
      volumes.set('system state', objectOf('system state', 'failed', l));
      fail(l);
    } else if (FAILED_LOG.test(l)) afterFailedLog = 1;
    else if (afterFailedLog === 1) afterFailedLog = 2; // the error log's path
    else if (afterFailedLog === 2) errors.push(l); // Windows Server 2008: the reason follows that path
  }
  if (!ok && !failed && !volumes.size && !isRun) return null;
  const objects = [...volumes.values()];
  const verdict = failed ? 'failed' : ok ? worstStatus(objects.map((o) => o.status)) : null;
  const done = objects.filter((o) => o.status === 'ok').map((o) => o.name);
  return {
    operation: systemState ? 'system-state-backup' : 'backup',
    verdict,
    startedAt: null,
    endedAt: null,
    host: null,
    errors: [...new Set(errors)],
    warnings: [],
    objects,
    summary: done.length ? `${done.length} of ${objects.length} backed up (${done.join(', ')})` : objects.length ? `0 of ${objects.length} backed up` : '',
  };
}
