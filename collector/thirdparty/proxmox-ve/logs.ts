/**
 * The logs section of a vzdump mail (`Logs` / `Detailed backup logs:`): the command line, then
 * each guest's task log with every line prefixed by its VMID,
 * `187: 2025-05-23 11:59:21 INFO: Starting Backup of VM 187 (lxc)`, and the job hooks' own lines
 * unprefixed. Logs longer than 1 MiB are replaced by `Log output was too long to be sent (by
 * mail). See Task History for details!`.
 */
export interface LogLine {
  /** The guest the line belongs to, null for a job-level line. */
  vmid: string | null;
  /** The wall-clock time as written (`2025-05-23 11:59:21`, `Jul 12 12:00:01`), null when none. */
  time: string | null;
  level: 'INFO' | 'WARN' | 'ERROR';
  message: string;
  /** The line as the mail has it, trimmed. */
  raw: string;
}

export interface Logs {
  lines: LogLine[];
  /** The logs were replaced by the too-long notice. */
  tooLong: boolean;
  /** The vzdump command line the logs start with. */
  command: string | null;
}

const TIME = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}`;
const LINE = new RegExp(String.raw`^(?:(\d+): )?(?:(${TIME}) )?(INFO|WARN|ERROR): ?(.*)$`);
const TOO_LONG = /Log output was too long to be sent/i;
const COMMAND = /^\s*(vzdump\s.*?)\s*$/;

export function readLogs(text: string): Logs {
  const logs: Logs = { lines: [], tooLong: TOO_LONG.test(text), command: null };
  for (const rawLine of text.split(/\r?\n/)) {
    const raw = rawLine.trim();
    const m = LINE.exec(raw);
    if (m) {
      const [, vmid, time, level, message = ''] = m;
      logs.lines.push({ vmid: vmid ?? null, time: time ?? null, level: level as LogLine['level'], message: message.trim(), raw });
    } else if (logs.command === null && !logs.lines.length) {
      const c = COMMAND.exec(raw);
      if (c) logs.command = c[1]!;
    }
  }
  return logs;
}

/** What one guest's log says: its errors, its warnings and when it ran. */
export interface GuestLog {
  errors: LogLine[];
  warnings: LogLine[];
  started: string | null;
  ended: string | null;
  finished: boolean;
}

export function guestLog(logs: Logs, vmid: string): GuestLog {
  const own = logs.lines.filter((l) => l.vmid === vmid);
  const timed = own.filter((l) => l.time !== null);
  const start = own.find((l) => /^Starting Backup of VM /.test(l.message) && l.time);
  const finish = own.find((l) => /^Finished Backup of VM /.test(l.message));
  return {
    errors: own.filter((l) => l.level === 'ERROR'),
    warnings: own.filter((l) => l.level === 'WARN'),
    started: start?.time ?? timed[0]?.time ?? null,
    ended: finish?.time ?? timed.at(-1)?.time ?? null,
    finished: Boolean(finish),
  };
}

/** The error line that says why a guest failed: vzdump's `Backup of VM n failed - ...`, else its last error. */
export function failureLine(errors: readonly LogLine[]): LogLine | null {
  return errors.find((l) => /^Backup of VM \d+ failed\b/.test(l.message)) ?? errors.at(-1) ?? null;
}
