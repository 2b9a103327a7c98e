import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../atomic.ts';
import { pidAlive } from '../lock.ts';
import { INCOMPLETE_MARKER } from './target.ts';

/**
 * What `<stateDir>/restores/<runId>.json` holds while a restore runs: enough to report it as
 * incomplete if the agent dies before the end (the next agent start finds the record).
 */
export interface RestoreRecord {
  runId: string;
  job: { id: string; name: string; plugin: string };
  command: { id: string } | null;
  startedAt: string;
  target: string;
  inPlace: boolean;
  paths: string[];
  from: { runId: string | null; at: string | null };
  pid: number;
  host: string;
}

const dirOf = (stateDir: string) => path.join(stateDir, 'restores');

/** Writes the state record and the target's marker, before anything is restored. */
export function markStarted(stateDir: string, r: Omit<RestoreRecord, 'pid' | 'host'>): RestoreRecord {
  const record: RestoreRecord = { ...r, pid: process.pid, host: hostname() };
  fs.mkdirSync(dirOf(stateDir), { recursive: true });
  writeFileAtomic(path.join(dirOf(stateDir), `${r.runId}.json`), JSON.stringify(record, null, 2));
  fs.mkdirSync(r.target, { recursive: true });
  const lines = [
    'This folder holds a restore by Synecdoche that has NOT finished: do not trust its contents.',
    'The file goes away when the restore completes; if it stays, the restore was stopped (the agent was killed or crashed).',
    `job: ${r.job.id} (${r.job.name})`,
    `backup: ${r.from.at ?? 'the newest'}${r.from.runId ? ` (run ${r.from.runId})` : ''}`,
    `started: ${r.startedAt}`,
    `restore run id: ${r.runId}`,
    '',
  ];
  fs.writeFileSync(path.join(r.target, INCOMPLETE_MARKER), lines.join('\n'));
  return record;
}

/** The restore ended (however it ended): the record goes; the marker goes too unless the target stays incomplete. */
export function markEnded(stateDir: string, r: RestoreRecord, incomplete: boolean): void {
  if (!incomplete) fs.rmSync(path.join(r.target, INCOMPLETE_MARKER), { force: true });
  fs.rmSync(path.join(dirOf(stateDir), `${r.runId}.json`), { force: true });
}

/** State records of restores whose process is gone (killed, crashed): those of a live restore are left alone. */
export function leftoverRecords(stateDir: string): { file: string; record: RestoreRecord | null }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dirOf(stateDir));
  } catch {
    return [];
  }
  const out: { file: string; record: RestoreRecord | null }[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dirOf(stateDir), name);
    let record: RestoreRecord | null = null;
    try {
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as RestoreRecord;
    } catch {
      record = null; // half-written: the restore had not started writing
    }
    if (record && record.host === hostname() && (record.pid === process.pid || pidAlive(record.pid))) continue;
    if (record && record.host !== hostname()) continue; // another machine sharing the state folder: not ours to judge
    out.push({ file, record });
  }
  return out;
}
