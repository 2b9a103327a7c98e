import type { Notification } from '../types.ts';
import { emptyResult, type DuplicatiResult } from './result.ts';

/**
 * The JSON report (`--send-mail-result-output-format=Json`, `--send-http-result-output-format=Json`),
 * as JsonFormatSerializer writes it: `{ Data: <result>, Extra: { OperationName, machine-id,
 * machine-name, backup-name, backup-id ... }, LogLines: [...], Exception: "..." | null }`, compact
 * (Duplicati does not indent it; people and relays do). The result's Messages/Warnings/Errors are
 * left out; WarningsActualLength/ErrorsActualLength count them. The result object alone (the
 * web UI's log view) is read too.
 */

type Json = Record<string, unknown>;
const MAX_CHARS = 5_000_000;
const MAX_LINES = 200;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX_LINES) : []);

/** True when the text looks like a Duplicati JSON result (cheap: no parsing). */
export function looksLikeJsonReport(text: string): boolean {
  const head = text.slice(0, 200_000);
  if (!/^\s*\{/.test(head)) return false;
  // Two of the result's own keys, so that a report cut off before its ParsedResult still counts.
  const keys = ['ParsedResult', 'MainOperation', 'ExaminedFiles', 'SizeOfExaminedFiles', 'BackendStatistics', 'OperationName', 'backup-name'];
  return keys.filter((k) => head.includes(`"${k}"`)).length >= 2;
}

/** The JSON texts a mail may carry: its body, then JSON-ish attachments. */
export function jsonCandidates(n: Notification): string[] {
  const out: string[] = [];
  if (looksLikeJsonReport(n.text)) out.push(n.text);
  for (const a of n.attachments) {
    if (!/json|text\/plain|octet-stream/i.test(a.contentType) && !/\.json$/i.test(a.filename ?? '')) continue;
    if (a.content.length > MAX_CHARS) continue;
    const text = a.content.toString('utf8').replace(/^\uFEFF/, '');
    if (looksLikeJsonReport(text)) out.push(text);
  }
  return out;
}

/** The result of a JSON report; null when it is not valid JSON of Duplicati's shape. */
export function readJsonReport(text: string): DuplicatiResult | null {
  let root: unknown;
  try {
    root = JSON.parse(text.length > MAX_CHARS ? '' : text);
  } catch {
    return null;
  }
  if (!isObject(root)) return null;
  const data = isObject(root.Data) ? root.Data : 'ParsedResult' in root ? root : null;
  const extra = isObject(root.Extra) ? root.Extra : {};
  const exception = str(root.Exception);
  if (!data && !exception) return null;
  const d: Json = data ?? {};
  const r = emptyResult('json');
  r.parsedResult = str(d.ParsedResult);
  r.operation = str(d.MainOperation) ?? str(extra.OperationName);
  r.job = str(extra['backup-name']);
  r.host = str(extra['machine-name']);
  r.begin = str(d.BeginTime);
  r.end = str(d.EndTime);
  r.examinedFiles = int(d.ExaminedFiles);
  r.addedFiles = int(d.AddedFiles);
  r.modifiedFiles = int(d.ModifiedFiles);
  r.deletedFiles = int(d.DeletedFiles);
  r.filesWithError = int(d.FilesWithError);
  r.sizeOfExaminedFiles = int(d.SizeOfExaminedFiles);
  r.sizeOfAddedFiles = int(d.SizeOfAddedFiles);
  r.sizeOfModifiedFiles = int(d.SizeOfModifiedFiles);
  r.partial = d.PartialBackup === true;
  r.interrupted = d.Interrupted === true;
  r.dryrun = d.Dryrun === true;
  const ownErrors = strings(d.Errors ?? d.LimitedErrors);
  const ownWarnings = strings(d.Warnings ?? d.LimitedWarnings);
  r.errorCount = int(d.ErrorsActualLength) ?? (ownErrors.length || null);
  r.warningCount = int(d.WarningsActualLength) ?? (ownWarnings.length || null);
  const log = strings(root.LogLines);
  r.errors = [...ownErrors, ...log.filter((l) => /\[Error-/.test(l))];
  r.warnings = [...ownWarnings, ...log.filter((l) => /\[Warning-/.test(l))];
  if (exception) {
    // Exception.ToString(): "Type: message\r\n   at ..."; the first line says what went wrong.
    r.failure = exception.split(/\r?\n/)[0]!.replace(/^[\w.]+(?:Exception|Error): /, '') || exception.slice(0, 500);
    r.errors.unshift(`Failed: ${r.failure}`);
  }
  return r;
}
