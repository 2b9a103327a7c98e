import { SynError } from '../../core/errors.ts';
import { localDate } from '../../core/time.ts';
import { listManifests, loadManifest, type LocalManifest } from '../catalogue/local.ts';

/** What `--at` asked for: one run by its id, the newest backup at or before a time, or (null) the newest. */
export type AtSpec = { runId: string } | { time: Date; text: string } | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads `--at`: a run id; `now`, `today` or `yesterday` (the end of that day at the site);
 * a date `2026-12-03` (the end of that day at the site); a local time `2026-12-03 18:00` or
 * `2026-12-03T18:00:00` (in the site's zone); or an ISO time with an offset (`...Z`, `+01:00`).
 */
export function parseAt(text: string | undefined, zone: string, now: Date): AtSpec {
  if (text === undefined || text.trim() === '') return null;
  const t = text.trim();
  if (UUID.test(t)) return { runId: t.toLowerCase() };
  const word = t.toLowerCase();
  if (word === 'now') return { time: now, text: t };
  if (word === 'today' || word === 'yesterday') {
    const [y, m, d] = localDate(now, zone).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d - (word === 'yesterday' ? 1 : 0)));
    return { time: endOfLocalDay(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), zone), text: t };
  }
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m && realDate(m)) return { time: endOfLocalDay(Number(m[1]), Number(m[2]), Number(m[3]), zone), text: t };
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(t);
  if (m && realDate(m) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6] ?? 0) < 60) {
    const [, y, mo, d, h, mi, s, ms] = m;
    return { time: localToUtc([Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0'))], zone), text: t };
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(t) && !Number.isNaN(Date.parse(t))) return { time: new Date(Date.parse(t)), text: t };
  throw new SynError(
    'USAGE',
    `--at "${text}": expected a run id, "yesterday", "today", a date (2026-12-03), a local time (2026-12-03 18:00) or an ISO time with offset`,
  );
}

/** True when year, month and day (groups 1 to 3) name a day of the calendar (not 2026-02-30). */
function realDate(m: RegExpExecArray): boolean {
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** The last millisecond of a calendar day at the site. */
function endOfLocalDay(y: number, m: number, d: number, zone: string): Date {
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return new Date(localToUtc([next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0, 0], zone).getTime() - 1);
}

/** The instant a wall-clock time in `zone` names (in a DST gap: the instant after it; in an overlap: the first). */
export function localToUtc(parts: [number, number, number, number, number, number, number], zone: string): Date {
  const [y, mo, d, h, mi, s, ms] = parts;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  let guess = wall - offsetMs(wall, zone);
  guess = wall - offsetMs(guess, zone);
  return new Date(guess);
}

function offsetMs(at: number, zone: string): number {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(at))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The backup a restore reads: the agent's manifest of it when it has one, and the time asked for. */
export interface PickedBackup {
  manifest: LocalManifest | null;
  /** The time asked for (null: the newest). */
  at: Date | null;
}

/**
 * Finds the backup `--at` names among the runs whose manifest this agent keeps. With no manifest
 * at all (a job backed up before manifests were kept) the plugin restores its newest backup and
 * says so; a run id or a time that no kept manifest covers is a NOT_FOUND error naming what is kept.
 */
export function pickBackup(stateDir: string, jobId: string, spec: AtSpec, zone: string): PickedBackup {
  const all = listManifests(stateDir, jobId);
  const kept = () => (all.length === 0 ? 'none' : `${all.length}, from ${all[0]!.at.toISOString()} to ${all.at(-1)!.at.toISOString()}`);
  if (spec === null) return { manifest: loadManifest(stateDir, jobId), at: null };
  if ('runId' in spec) {
    const manifest = loadManifest(stateDir, jobId, { runId: spec.runId });
    if (!manifest) throw new SynError('NOT_FOUND', `job "${jobId}" has no backup run ${spec.runId} recorded on this machine (manifests kept: ${kept()})`);
    return { manifest, at: manifest.at };
  }
  if (all.length === 0) return { manifest: null, at: spec.time };
  const manifest = loadManifest(stateDir, jobId, { atOrBefore: spec.time });
  if (!manifest) {
    throw new SynError('NOT_FOUND', `job "${jobId}" has no backup at or before ${spec.text} (${spec.time.toISOString()}, zone ${zone}); manifests kept: ${kept()}`);
  }
  return { manifest, at: spec.time };
}
