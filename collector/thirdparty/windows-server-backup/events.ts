import type { RunStatus } from '../../../core/result/schema.ts';
import type { ReportObject } from '../types.ts';
import { isoTime, localTimeNearMail, stripMarks } from './dates.ts';
import { clip, linesOf, type Reading } from './reading.ts';

/**
 * Microsoft-Windows-Backup events as scheduled-task scripts mail them: an Event Viewer copy
 * (`Source:`, `Event ID:`, `Computer:`, `Description:`), `Get-WinEvent | Format-List`
 * (`TimeCreated :`, `Id :`, `MachineName :`, `Message :`), or the bare message. Messages are
 * Windows' own (blbevents.dll, catalogued in libyal/winevt-kb): event 4 "The backup operation
 * has finished successfully.", 5 "... has failed with following error code '0x...' (...)",
 * 14 "The backup operation has completed." (success or not: the verdict is 4 or an error).
 */

type Kind = 'ok' | 'warning' | 'failed' | 'cancelled' | 'neutral';

/** By message text first; Windows' templates, 2008 wording included. */
const BY_MESSAGE: [RegExp, Kind][] = [
  [/The backup operation has finished successfully|^Backup finished successfully|The backup operation that started at '[^']*' has completed successfully/i, 'ok'],
  [/The backup operation was cancell?ed|^Backup cancell?ed|backup operation that started at '[^']*' was cancell?ed/i, 'cancelled'],
  [/has completed with errors|has encountered errors|completed with warning\(s\)|running low on free space|was detected that is not (?:in the list of volumes to include|included) in the backup|in the list of volumes to include in the backup is missing|included for backup is missing|consistency check for the component/i, 'warning'],
  [/\bhas failed\b|failed with following error code|\bfailed to start\b|\bfailed (?:as|because)\b|^Backup failed|backup catalog (?:on the selected disk '[^']*' )?is corrupted|catalog is corrupt|There is no backup available|\bis corrupted\b|conflicts with current Group Policy/i, 'failed'],
  [/The backup operation has (?:completed|started)\.|^Backup (?:completed|started)\.$/i, 'neutral'],
];

/** By event id when the message is missing or cut off (Format-Table truncates it). */
const BY_ID = new Map<number, Kind>([
  [1, 'neutral'], [14, 'neutral'], [4, 'ok'], [8, 'cancelled'],
  ...[7, 13, 23, 51, 144, 146, 547, 565].map((id) => [id, 'warning'] as [number, Kind]),
  ...[5, 6, 9, 10, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 25, 49, 50, 52, 517, 518, 519, 521, 522, 526, 527, 528, 544, 545, 546, 561, 564].map((id) => [id, 'failed'] as [number, Kind]),
]);

interface BackupEvent {
  id: number | null;
  source: string | null;
  time: string | null;
  computer: string | null;
  message: string;
}

const KEY = /^(Log ?Name|Source|ProviderName|Date|TimeCreated|Event ?ID|Id|Task Category|Level|LevelDisplayName|Keywords|User|UserId|Computer|MachineName|Description|Message|RecordId|ProcessId|ThreadId|Opcode)\s*:\s?(.*)$/i;

/** Key/value records (Event Viewer copy, Format-List); a repeated key starts the next record. */
function records(text: string): BackupEvent[] {
  const out: BackupEvent[] = [];
  let cur: Record<string, string> | null = null;
  let inMessage = false;
  const flush = () => {
    if (!cur) return;
    const id = cur['eventid'] ?? cur['id'];
    out.push({
      id: id && /^\d+$/.test(id.trim()) ? Number(id) : null,
      source: cur['source'] ?? cur['providername'] ?? null,
      time: cur['date'] ?? cur['timecreated'] ?? null,
      computer: cur['computer'] ?? cur['machinename'] ?? null,
      message: (cur['description'] ?? cur['message'] ?? '').replace(/\s+/g, ' ').trim(),
    });
    cur = null;
  };
  for (const line of linesOf(text)) {
    const m = KEY.exec(line);
    if (m) {
      const key = m[1]!.toLowerCase().replace(/\s+/g, '');
      if (cur && key in cur) flush();
      cur ??= {};
      cur[key] = m[2]!.trim();
      inMessage = key === 'description' || key === 'message';
    } else if (cur && inMessage && line) cur[cur['description'] !== undefined ? 'description' : 'message'] += ` ${line}`;
    else if (cur && inMessage && !line && (cur['description'] || cur['message'])) inMessage = false;
  }
  flush();
  return out;
}

/** Sentences of the text that are Windows Backup event messages (a script that mailed only them). */
function bareMessages(text: string): BackupEvent[] {
  return linesOf(text)
    .filter((l) => /^The backup operation\b|^Backup (?:started|finished|completed|cancell?ed|failed)\b|^The backup storage location is running low/i.test(l))
    .map((message) => ({ id: null, source: null, time: null, computer: null, message }));
}

function kindOf(e: BackupEvent): Kind | null {
  if (e.source && !/Microsoft-Windows-Backup/i.test(e.source)) return null; // another provider's event in the same mail
  const msg = stripMarks(e.message);
  for (const [re, kind] of BY_MESSAGE) if (re.test(msg)) return kind;
  return e.id !== null && (e.source || !e.message) ? (BY_ID.get(e.id) ?? null) : null;
}

/** The volumes a message names: `for the volume(s)'F:'`, `to back up volume(s) 'C:,D:'`. */
function volumesOf(message: string, status: RunStatus): ReportObject[] {
  const m = /volume\(s\)\s*'([^']+)'/i.exec(message);
  if (!m) return [];
  return m[1]!.split(/[,;]\s*/).filter(Boolean).map((name) => ({ name: clip(name.trim(), 500), status, detail: clip(message), bytes: null, startedAt: null, endedAt: null }));
}

const hostName = (v: string | null) => (v && /^[A-Za-z0-9][A-Za-z0-9._-]{0,253}$/.test(v.trim()) ? v.trim() : null);

/** The events of a mail, or null when it has no Windows Backup event. */
export function readEvents(text: string, mailDate: Date | null): Reading | null {
  const fromRecords = records(text).filter((e) => e.message || e.id !== null);
  const events = (fromRecords.length ? fromRecords : bareMessages(text)).map((e) => ({ e, kind: kindOf(e) })).filter((x): x is { e: BackupEvent; kind: Kind } => x.kind !== null);
  if (!events.length) return null;
  const pick = (...kinds: Kind[]) => events.filter((x) => kinds.includes(x.kind));
  const failures = pick('failed', 'cancelled');
  const warnings = pick('warning');
  const successes = pick('ok');
  // 7/23/547 "completed with errors" are a result; low space or a missing volume alone are not.
  const finishedWithErrors = warnings.some((x) => /completed with|encountered errors/i.test(x.e.message) || [7, 13, 23, 547].includes(x.e.id ?? -1));
  const verdict: RunStatus | null = failures.length ? 'failed' : successes.length ? (warnings.length ? 'warning' : 'ok') : finishedWithErrors ? 'warning' : null;
  const deciding = failures[0] ?? (verdict === 'warning' ? warnings[0] : successes[0]) ?? events[events.length - 1]!;
  const text1 = (x: { e: BackupEvent }) => clip(x.e.message || `event ${x.e.id}`);
  const started = /started at '([^']+)'/i.exec(deciding.e.message);
  const time = deciding.e.time ? (isoTime(deciding.e.time) ?? localTimeNearMail(deciding.e.time, mailDate)) : null;
  const objects = [...failures.flatMap((x) => volumesOf(x.e.message, 'failed')), ...warnings.flatMap((x) => volumesOf(x.e.message, 'warning'))];
  return {
    operation: 'backup',
    verdict,
    startedAt: started ? isoTime(started[1]!) : null,
    endedAt: time,
    host: events.map((x) => hostName(x.e.computer)).find(Boolean) ?? null,
    errors: [...new Set(failures.map(text1))],
    warnings: [...new Set(warnings.map(text1))],
    objects,
    summary: deciding.e.message ? clip(deciding.e.message, 300) : `event ${deciding.e.id}`,
  };
}

/** True when a text has a Windows Backup event or one of its messages (cheap enough for recognises). */
export function looksLikeBackupEvent(text: string): boolean {
  return /Microsoft-Windows-Backup\b|The backup operation (?:that started at '[^'\n]{0,80}' )?has (?:finished successfully|failed with following error code|failed to back up volume|encountered errors for the volume|completed with errors)|The backup operation attempted at '[^'\n]{0,80}' has failed to start|Backup started at '[^'\n]{0,80}' failed/i.test(text);
}
