import { readFileSync, statSync } from 'node:fs';
import { SynError } from '../core/errors.ts';
import { formatInZone } from '../core/time.ts';
import type { BackupPlugin, PluginOutcome } from '../plugins/types.ts';
import type { JobConfig } from './config.ts';

/** What `agent submit` was told on its command line. */
export interface SubmitOptions {
  log: string;
  exitCode?: number;
  started?: Date;
  ended?: Date;
}

/** A run read from a log: its outcome, its times, and a line for the user saying where the times came from. */
export interface Submission {
  outcome: PluginOutcome;
  startedAt: Date;
  endedAt: Date;
  timesLine: string;
}

/**
 * Reads the log of a run that something else started. The exit code may be left out only when
 * the plugin tells the status from the log itself (`statusFromLog`: robocopy's summary table);
 * for the others it is a usage error that names `--exit-code`. Times not given default to the log
 * file's modification time (when the tool last wrote it: the end of the run), and the line
 * returned says which were used, in the site's zone.
 */
export function readSubmission(job: JobConfig, plugin: BackupPlugin<any>, o: SubmitOptions, timeZone: string): Submission {
  if (!plugin.parse) throw new SynError('USAGE', `plugin "${plugin.name}" cannot read logs; use one with a parser`);
  if (o.exitCode === undefined && !plugin.statusFromLog) {
    throw new SynError('USAGE', `--exit-code is required with plugin "${plugin.name}": its log does not tell whether the run worked (give the exit code the tool returned, e.g. --exit-code %ERRORLEVEL% or $?)`);
  }
  let bytes: Buffer;
  let mtime: Date;
  try {
    bytes = readFileSync(o.log);
    mtime = statSync(o.log).mtime;
  } catch (e) {
    throw new SynError('NOT_FOUND', `--log: cannot read the log file ${o.log}`, { cause: e });
  }
  const startedAt = o.started ?? mtime;
  const endedAt = o.ended ?? mtime;
  const from = (given: Date | undefined, flag: string) => (given ? `(${flag})` : "(the log file's modification time)");
  const show = (d: Date) => formatInZone(d, timeZone);
  if (startedAt.getTime() > endedAt.getTime()) {
    throw new SynError('USAGE', `--started: the start ${show(startedAt)} ${from(o.started, '--started')} is after the end ${show(endedAt)} ${from(o.ended, '--ended')}`);
  }
  const timesLine =
    o.started === undefined && o.ended === undefined
      ? `times: started and ended ${show(mtime)} (the log file's modification time; give --started and --ended for the real times)`
      : `times: started ${show(startedAt)} ${from(o.started, '--started')}, ended ${show(endedAt)} ${from(o.ended, '--ended')}`;
  const options = plugin.name === job.plugin ? (job.options as object) : undefined;
  return { outcome: plugin.parse(bytes, o.exitCode ?? null, options), startedAt, endedAt, timesLine };
}
