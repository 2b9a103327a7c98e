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

const LOOKS_LIKE_AN_ERROR = /error|fail|fatal|denied|refused|cannot|can't|unable|not found|no such|invalid|exception|panic|abort/i;

/**
 * The line of the output that most likely says what went wrong: the last non-empty one that
 * looks like an error, else the last non-empty one; trimmed, control characters dropped, at
 * most 300 characters. Undefined when there is no output.
 */
export function errorLine(text: string): string | undefined {
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]|[\x00-\x1f\x7f]/g, ' ').trim()).filter((l) => l !== '');
  const line = lines.filter((l) => LOOKS_LIKE_AN_ERROR.test(l)).at(-1) ?? lines.at(-1);
  return line === undefined ? undefined : line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * The outcome of an opaque command: the status comes from its exit code through the map, the
 * counts stay zero (the command does not say what it copied), the log tail is kept. No exit code
 * (a log read alone, or a process killed by a signal) is `failed`. A run that is not ok names
 * the line that says why (see errorLine), so that the digest and alerts show the real error
 * and not only a number. `stderr`, when the run kept it apart, is where that line is looked
 * for first; a log read alone has only `log`.
 */
export function commandOutcome(log: string, exitCode: number | null, options: CommandParseOptions = {}, stderr?: string): PluginOutcome {
  const map = options.statusByExitCode ?? DEFAULT_STATUS_BY_EXIT_CODE;
  const status: RunStatus = exitCode === null ? 'failed' : (map[String(exitCode)] ?? 'failed');
  const why = status === 'ok' ? undefined : ((stderr === undefined ? undefined : errorLine(stderr)) ?? errorLine(log));
  const head = exitCode === null ? 'the command left no exit code' : `exited with code ${exitCode}`;
  const message = why === undefined ? head : `${head}: ${why}`;
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
