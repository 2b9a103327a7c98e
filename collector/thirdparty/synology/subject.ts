/**
 * What DSM's subjects say. DSM prefixes every subject with the "Subject prefix" set under
 * Control Panel > Notification (often `[NAS01]`, sometimes a bare word), then:
 *
 * - Hyper Backup (DSM 6 template): `%TASK_TYPE% - %TASK_NAME% successful on %HOSTNAME%`,
 *   `... partially successful on`, `... failed on`, `... canceled on`; German `... erfolgreich auf`.
 * - Active Backup for Business: `Active Backup for Business - <backup task> <task> <on> <NAS> <result>`,
 *   e.g. Italian `... - attività di backup JOB su NAS completata`, Danish
 *   `... - backupopgave Teksam-Default på ALCOStore er fuldført`.
 *
 * The subject only ever names the job and host; the status is read from the body.
 */

const RESULT = String.raw`(?:partially successful|successful|failed|cancel+ed|teilweise erfolgreich|erfolgreich|fehlgeschlagen|abgebrochen)`;
const HYPER_BACKUP = new RegExp(String.raw`^(?:\[[^\]]*\]\s*)?(.+?)\s+-\s+(.+?)\s+${RESULT}\s+(?:on|auf)\s+(\S+)\s*$`, 'i');
const ACTIVE_BACKUP = /Active Backup for Business\s+-\s+(?:the\s+)?(?:backup task|backup-task|attività di backup|backupopgaven?|sicherungsaufgabe|datensicherungsaufgabe|tâche de sauvegarde|tarea de copia de seguridad)\s+\[?(.+?)\]?\s+(?:on|su|på|auf|sur|en)\s+\[?([^\]]+?)\]?\s+(?:\S.*)$/i;
const PREFIX = /^\[([^\]]+)\]/;

export interface SubjectNames {
  job: string | null;
  host: string | null;
  /** The DSM subject prefix in brackets, often the NAS name. */
  prefix: string | null;
}

/** Job and host as the subject names them. */
export function namesOfSubject(subject: string): SubjectNames {
  const prefix = PREFIX.exec(subject)?.[1]?.trim() || null;
  const abb = ACTIVE_BACKUP.exec(subject);
  if (abb) return { job: abb[1]!.trim(), host: abb[2]!.trim(), prefix };
  const hb = HYPER_BACKUP.exec(subject);
  if (hb) return { job: hb[2]!.trim(), host: hb[3]!.trim(), prefix };
  return { job: null, host: null, prefix };
}

/** The product name Active Backup puts in its subjects and bodies. */
export const ACTIVE_BACKUP_NAME = /\bActive Backup for Business\b/i;
