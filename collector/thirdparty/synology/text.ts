import type { RunStatus } from '../../../core/result/schema.ts';

/**
 * The wording of DSM's Hyper Backup and Active Backup for Business notification mails, per
 * language. A mail is a greeting, one sentence that gives the verdict ("Your backup task Daily is
 * now complete."), then `Label: value` lines (task, destination, start time, duration ...). DSM
 * sends the mail in the language set under Control Panel > Notification, so the labels and
 * verdicts are listed for English, German and Italian (the ones seen in real mails/templates).
 */

export type Field = 'job' | 'destination' | 'start' | 'end' | 'duration' | 'bytes' | 'devices' | 'reason';

const LABELS: [Field, RegExp][] = [
  ['job', /^(?:backup task|task name|task|datensicherungsaufgabe|sicherungsaufgabe|aufgabenname|aufgabe|nome attività|attività)$/i],
  ['destination', /^(?:backup destination|destination|datensicherungsziel|sicherungsziel|ziel|destinazione(?: backup)?)$/i],
  ['start', /^(?:start time|started|startzeit|ora d['’]inizio|ora di inizio|ora inizio)$/i],
  ['end', /^(?:end time|finished|endzeit|ora di fine|ora fine)$/i],
  ['duration', /^(?:duration|dauer|durata)$/i],
  ['bytes', /^(?:transferred size|transferred data|data transferred|übertragene (?:größe|datenmenge)|dimensioni trasferite)$/i],
  ['devices', /^(?:device list|devices|device|geräteliste|geräte|elenco dispositivi|dispositivi)$/i],
  ['reason', /^(?:failure reason|reason|error|fehlerursache|grund|fehler|motivo|errore)$/i],
];

/** The `Label: value` lines of a body, by field (first occurrence wins). */
export function labelledValues(body: string): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s*([^:]{2,40}?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m || !m[2]) continue;
    const field = LABELS.find(([, re]) => re.test(m[1]!))?.[0];
    if (field && out[field] === undefined) out[field] = m[2];
  }
  return out;
}

/** Verdict sentences, worst first: a body saying "failed" anywhere is failed even if it also says "completed". */
const VERDICTS: [RunStatus, RegExp][] = [
  ['failed', /\b(?:has |have |was |been )*(?:failed|cancel+ed|suspended|interrupted|aborted)\b|fehlgeschlagen|abgebrochen|unterbrochen|angehalten|non (?:è )?riuscit[ao]|annullat[ao]|sospes[ao]|interrott[ao]/i],
  ['warning', /partially (?:completed|successful)|with minor exceptions|completed with (?:warnings|errors|exceptions)|teilweise (?:abgeschlossen|erfolgreich|durchgeführt)|mit geringfügigen ausnahmen|mit warnungen|parzialmente|con avvisi|con eccezioni/i],
  // "is now complete." needs its full stop: a mail cut after "complete" may have gone on "with minor exceptions".
  ['ok', /\bis now complete\.|\bhas (?:been )?completed\b|\b(?:completed|finished) successfully\b|\bsuccessfully completed\b|\bist jetzt abgeschlossen\.|\bwurde (?:erfolgreich )?abgeschlossen\b|\berfolgreich abgeschlossen\b|è stata completata\b|\bcompletat[ao] (?:correttamente|con successo)\b/i],
];

export interface Verdict {
  status: RunStatus;
  /** The body line that says so. */
  line: string;
}

/** The verdict the body's own sentences give, or null when none does (a cut-off or foreign body). */
export function verdictOf(body: string): Verdict | null {
  const lines = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^[^:]{2,40}:\s/.test(l));
  for (const [status, re] of VERDICTS) {
    const line = lines.find((l) => re.test(l));
    if (line) return { status, line: line.slice(0, 2000) };
  }
  return null;
}

/** "Backup task Daily is now complete." names the task and the NAS in the verdict sentence. */
const SENTENCE_JOB_HOST: RegExp[] = [
  /\bbackup task\s+\[?(.+?)\]?\s+on\s+\[?([^\s\]]+)\]?\s+(?:has|is|was|completed|partially|failed)/i,
  /\bdatensicherungsaufgabe\s+(.+?)\s+auf\s+(\S+)\s+(?:ist|wurde)/i,
  /\battività di backup\s+(.+?)\s+su\s+(\S+)\s+(?:è|non|completata|parzialmente)/i,
];
const SENTENCE_JOB: RegExp[] = [/\byour backup task\s+(.+?)\s+is now complete/i, /\bihre datensicherungsaufgabe\s+(.+?)\s+ist jetzt/i];
const SENTENCE_HOST: RegExp[] = [/\bdata backup on\s+(\S+)\s+has\b/i, /\bdatensicherung auf\s+(\S+)\s+(?:ist|wurde)\b/i, /\bbackup (?:dei dati )?su\s+(\S+)\s+(?:è|non)\b/i];

/** Job and host as the verdict sentence names them (either may be null). */
export function jobAndHostOfSentence(body: string): { job: string | null; host: string | null } {
  for (const re of SENTENCE_JOB_HOST) {
    const m = re.exec(body);
    if (m) return { job: m[1]!, host: m[2]! };
  }
  const job = SENTENCE_JOB.map((re) => re.exec(body)?.[1]).find(Boolean) ?? null;
  const host = SENTENCE_HOST.map((re) => re.exec(body)?.[1]).find(Boolean) ?? null;
  return { job, host };
}

/** Hyper Backup's integrity check ("Backup integrity check", "Integritätsprüfung") rather than a backup run. */
export function isIntegrityCheck(s: string): boolean {
  return /integrity check|check backup integrity|integritätsprüfung|integrität|controllo (?:di )?integrità/i.test(s);
}
