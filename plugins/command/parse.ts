import { tailLines } from '../../core/process.ts';
import { RunStatus } from '../../core/result/schema.ts';
import { zeroCounts, type PluginOutcome } from '../types.ts';

/** Exit code (as a string, YAML keys are strings) -> status. Codes not listed are `failed`. */
export type StatusByExitCode = Record<string, RunStatus>;

export interface CommandParseOptions {
  statusByExitCode?: StatusByExitCode;
  tailLines?: number;
}

export const DEFAULT_STATUS_BY_EXIT_CODE: StatusByExitCode = { '0': 'ok' };

/**
 * The outcome of an opaque command: the status comes from its exit code through the map, the
 * counts stay zero (the command does not say what it copied), the log tail is kept. No exit code
 * (a log read alone, or a process killed by a signal) is `failed`.
 */
export function commandOutcome(log: string, exitCode: number | null, options: CommandParseOptions = {}): PluginOutcome {
  const map = options.statusByExitCode ?? DEFAULT_STATUS_BY_EXIT_CODE;
  const status: RunStatus = exitCode === null ? 'failed' : (map[String(exitCode)] ?? 'failed');
  const message = exitCode === null ? 'the command left no exit code' : `exited with code ${exitCode}`;
  return {
    status,
    exitCode,
    files: zeroCounts(),
    bytes: zeroCounts(),
    verification: null,
    errors: status === 'ok' ? [] : [exitCode === null ? { message } : { message, code: String(exitCode) }],
    logTail: tailLines(log, options.tailLines ?? 40),
  };
}
