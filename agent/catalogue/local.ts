import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../atomic.ts';
import type { ManifestEntry } from '../../plugins/types.ts';

/**
 * The agent's own record of what each run backed up (issue 11): one gzip NDJSON file per run,
 * `<stateDir>/manifests/<jobId>/<ms since epoch>-<runId>.ndjson.gz`, one ManifestEntry per line,
 * sorted by path. Restores read it to know which backup held what, drills to compare restored
 * files with the hashes recorded at backup time, and the result email's manifest (full or delta)
 * is computed against the previous one.
 */
export interface LocalManifest {
  runId: string;
  at: Date;
  entries: ManifestEntry[];
}

export interface ManifestInfo {
  runId: string;
  at: Date;
  file: string;
}

function jobDir(stateDir: string, jobId: string): string {
  return join(stateDir, 'manifests', jobId);
}

/** Writes a run's manifest atomically (a crash leaves the old set, never half a file). */
export function saveManifest(stateDir: string, jobId: string, runId: string, at: Date, entries: readonly ManifestEntry[]): string {
  const dir = jobDir(stateDir, jobId);
  mkdirSync(dir, { recursive: true });
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = sorted.map((e) => JSON.stringify(e)).join('\n');
  const file = join(dir, `${at.getTime()}-${runId}.ndjson.gz`);
  writeFileAtomic(file, gzipSync(Buffer.from(text, 'utf8')));
  return file;
}

/** Every stored manifest of a job, oldest first. */
export function listManifests(stateDir: string, jobId: string): ManifestInfo[] {
  let names: string[];
  try {
    names = readdirSync(jobDir(stateDir, jobId));
  } catch {
    return [];
  }
  const out: ManifestInfo[] = [];
  for (const name of names) {
    const m = /^(\d+)-([0-9a-f-]{36})\.ndjson\.gz$/.exec(name);
    if (m) out.push({ runId: m[2]!, at: new Date(Number(m[1])), file: join(jobDir(stateDir, jobId), name) });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The manifest of one run, or with no run id the newest; with `atOrBefore`, the newest at or before that time. */
export function loadManifest(stateDir: string, jobId: string, pick: { runId?: string; atOrBefore?: Date } = {}): LocalManifest | null {
  const all = listManifests(stateDir, jobId);
  const candidates = pick.runId
    ? all.filter((m) => m.runId === pick.runId)
    : pick.atOrBefore
      ? all.filter((m) => m.at.getTime() <= pick.atOrBefore!.getTime())
      : all;
  const info = candidates.at(-1);
  if (!info) return null;
  return { runId: info.runId, at: info.at, entries: readEntries(info.file) };
}

function readEntries(file: string): ManifestEntry[] {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as ManifestEntry);
}

/** Removes all but the newest `keep` manifests of a job (retention of the agent's state). */
export function pruneManifests(stateDir: string, jobId: string, keep: number): number {
  const all = listManifests(stateDir, jobId);
  const drop = all.slice(0, Math.max(0, all.length - keep));
  for (const m of drop) rmSync(m.file, { force: true });
  return drop.length;
}
