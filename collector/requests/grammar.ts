import { addDays } from '../report/digest/days.ts';

/**
 * The small language clients write requests in (README, "Client requests"):
 *
 *   BACKUP <job> [NOW]
 *   RESTORE <job> [<path>[, <path> ...]] [AS OF <when>]
 *
 * Case does not matter; "back up" and a leading "please" are fine; <job> is a job's id or name
 * ("site/job" or "<job> on <site>" when two sites have the same one); a path starts with "/" or
 * "\" or is in quotes; <when> is yesterday, today, N days (or weeks) ago, or a date
 * (2026-03-01, 1.3.2026, 1 March 2026, March 1 2026). "as at" and "from" mean "as of".
 * Pure: the caller gives the jobs the client may name and the client's calendar date.
 */

export type RequestAction = 'backup' | 'restore';

/** The line of a reply that asks for something, split into its verb and the rest. */
export interface RequestLine {
  action: RequestAction;
  /** The words after the verb, as written. */
  rest: string;
  /** The whole line as written (kept with the request). */
  line: string;
}

const VERB = /^\s*(?:please[,\s]+)?(back\s*up|backup|restore)\b[\s:,-]*(.*)$/i;

/** The first line of `text` that starts with BACKUP or RESTORE, or null. */
export function findRequestLine(text: string): RequestLine | null {
  for (const raw of text.split('\n')) {
    const m = VERB.exec(raw);
    if (!m) continue;
    const action: RequestAction = /^restore$/i.test(m[1]!) ? 'restore' : 'backup';
    return { action, rest: m[2]!.trim(), line: raw.trim().slice(0, 500) };
  }
  return null;
}

/** A job a client may name: its site, id and display name. */
export interface JobRef {
  siteId: string;
  jobId: string;
  name: string;
}

/** What a request asks for, once its job is known. */
export interface ParsedRequest {
  action: RequestAction;
  job: JobRef;
  /** Paths inside the backup ("/" separators); empty for everything. Restores only. */
  paths: string[];
  /** The client's calendar date (YYYY-MM-DD) whose state is wanted; null for the newest backup. */
  asOf: string | null;
}

/** Why a line could not be turned into a request; `words` is said to the client as it is. */
export type ParseProblem =
  | { problem: 'no-job'; words: string }
  | { problem: 'unknown-job'; named: string; words: string }
  | { problem: 'ambiguous-job'; named: string; words: string }
  | { problem: 'bad-path' | 'bad-date' | 'extra-words'; words: string };

/** Turns a request line into a request against `jobs` (the client's own), given the client's `today`. */
export function parseRequest(line: RequestLine, jobs: readonly JobRef[], today: string): ParsedRequest | ParseProblem {
  let rest = line.rest.replace(/[.!]+\s*$/, '').replace(/^(?:of|for)\s+/i, '').replace(/^(?:the|my|our)\s+/i, '');
  if (rest === '') return { problem: 'no-job', words: `Please name the backup, for example "${line.action.toUpperCase()} ${jobs[0]?.name ?? 'documents'}".` };
  const found = matchJob(rest, jobs);
  if ('problem' in found) return found;
  rest = found.rest;
  let asOf: string | null = null;
  const when = /(?:^|\s)(?:as\s+(?:of|at)|from)\s+(.+)$/i.exec(rest);
  if (when) {
    asOf = parseWhen(when[1]!.trim(), today);
    if (asOf === null) return { problem: 'bad-date', words: `We could not read the date "${when[1]!.trim()}". Write for example "as of yesterday", "as of 3 days ago" or "as of 2026-03-01".` };
    if (asOf > today) return { problem: 'bad-date', words: `The date "${when[1]!.trim()}" is in the future; a restore can only bring back what was already backed up.` };
    rest = rest.slice(0, when.index).trim();
  }
  if (line.action === 'backup') {
    rest = rest.replace(/^(?:(?:right now|now|please|asap|immediately|today)\b[\s,.!]*)+/i, '').trim();
    if (rest !== '' || asOf !== null) return { problem: 'extra-words', words: `A backup takes no path or date; write just "BACKUP ${found.job.name} NOW".` };
    return { action: 'backup', job: found.job, paths: [], asOf: null };
  }
  const paths = splitPaths(rest);
  if (paths === null) return { problem: 'bad-path', words: `We could not read "${rest}" as a folder or file. Start it with "/", for example "/Invoices/2026", or put it in quotes.` };
  return { action: 'restore', job: found.job, paths, asOf };
}

/**
 * The job `rest` starts with: the longest id, name, "site/id" or "site/name" that matches
 * (case-insensitive) and is followed by the end or a space; "on <site>" may follow to choose
 * between sites.
 */
function matchJob(rest: string, jobs: readonly JobRef[]): { job: JobRef; rest: string } | ParseProblem {
  const lower = rest.toLowerCase();
  let best: { len: number; jobs: JobRef[] } = { len: 0, jobs: [] };
  for (const j of jobs) {
    for (const name of new Set([j.jobId, j.name, `${j.siteId}/${j.jobId}`, `${j.siteId}/${j.name}`])) {
      const n = name.toLowerCase();
      if (!lower.startsWith(n) || !/^(?:$|[\s,.!:])/.test(lower.slice(n.length))) continue;
      if (n.length > best.len) best = { len: n.length, jobs: [j] };
      else if (n.length === best.len && !best.jobs.includes(j)) best.jobs.push(j);
    }
  }
  const named = /^("[^"]*"|\S+)/.exec(rest)?.[1] ?? rest;
  if (best.jobs.length === 0) return { problem: 'unknown-job', named, words: `We could not find a backup called "${named}" among yours.` };
  let after = rest.slice(best.len).replace(/^[\s,:]+/, '');
  let chosen = best.jobs;
  const on = /^(?:on|at)\s+(\S+)\s*/i.exec(after);
  if (on && chosen.some((j) => j.siteId.toLowerCase() === on[1]!.toLowerCase())) {
    chosen = chosen.filter((j) => j.siteId.toLowerCase() === on[1]!.toLowerCase());
    after = after.slice(on[0].length);
  }
  if (chosen.length > 1) {
    const options = chosen.map((j) => `${j.siteId}/${j.jobId}`).join(' or ');
    return { problem: 'ambiguous-job', named: rest.slice(0, best.len), words: `Several of your computers have a backup called "${rest.slice(0, best.len)}": write ${options}.` };
  }
  return { job: chosen[0]!, rest: after.trim() };
}

/** Paths separated by commas or "and", each "/..." or "\..." or quoted; null when one is not a path. */
function splitPaths(rest: string): string[] | null {
  if (rest === '') return [];
  const out: string[] = [];
  const re = /\s*(?:"([^"]+)"|'([^']+)'|([^,"]+?))\s*(?:,|\s+and\s+|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < rest.length && (m = re.exec(rest)) !== null) {
    if (m[0] === '') break;
    consumed = re.lastIndex;
    const quoted = m[1] ?? m[2];
    const p = (quoted ?? m[3] ?? '').trim().replace(/\\/g, '/');
    if (p === '') continue;
    if (quoted === undefined && !p.startsWith('/') && !/^[a-z]:\//i.test(p)) return null;
    if (p.split('/').includes('..')) return null;
    out.push(p.replace(/^[a-z]:/i, '').replace(/\/{2,}/g, '/'));
  }
  return consumed >= rest.length ? out : null;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** A day in words (relative to `today`, YYYY-MM-DD) as YYYY-MM-DD, or null. */
export function parseWhen(words: string, today: string): string | null {
  const w = words.toLowerCase().replace(/[.,!]+$/, '').replace(/\s+/g, ' ').trim();
  if (w === 'today' || w === 'this morning' || w === 'now') return today;
  if (w === 'yesterday' || w === 'last night' || w === 'yesterday evening') return addDays(today, -1);
  const ago = /^(\d{1,3}|a|one|two|three|four|five|six|seven) (day|days|week|weeks) ago$/.exec(w);
  if (ago) {
    const n = /^\d+$/.test(ago[1]!) ? Number(ago[1]) : ['a', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'].indexOf(ago[1]!) || 1;
    return addDays(today, -n * (ago[2]!.startsWith('week') ? 7 : 1));
  }
  let y: number, mo: number, d: number;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(w);
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(w))) [y, mo, d] = [Number(m[3]), Number(m[2]), Number(m[1])];
  else if ((m = /^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+) (\d{4})$/.exec(w))) [y, mo, d] = [Number(m[3]), monthOf(m[2]!), Number(m[1])];
  else if ((m = /^([a-z]+) (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/.exec(w))) [y, mo, d] = [Number(m[3]), monthOf(m[1]!), Number(m[2])];
  else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

function monthOf(word: string): number {
  if (word.length < 3) return 0;
  return MONTHS.findIndex((m) => m.startsWith(word)) + 1;
}
