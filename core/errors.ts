/**
 * The one error table of Synecdoche. Every program fault carries one of these codes; the CLI
 * maps codes to exit codes in one place (`cli/exit.ts`). A backup outcome is never an error:
 * a failed backup is a result with status `failed`.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { exit: 2, summary: 'the configuration is invalid' },
  USAGE: { exit: 2, summary: 'the command line is invalid' },
  NOT_FOUND: { exit: 2, summary: 'a named job, site, client or file does not exist' },
  KEY_INVALID: { exit: 2, summary: 'a key file is missing or unreadable' },
  PLUGIN_MISCONFIGURED: { exit: 2, summary: 'a plugin was given options it cannot use' },
  PLUGIN_UNAVAILABLE: { exit: 3, summary: 'the tool a plugin runs is not installed here' },
  JOB_ALREADY_RUNNING: { exit: 4, summary: 'the job is still running from an earlier start' },
  SMTP_FAILED: { exit: 5, summary: 'the SMTP server could not be reached or refused the message' },
  MAILBOX_FAILED: { exit: 6, summary: 'a mailbox could not be read' },
  STORE_FAILED: { exit: 7, summary: 'the database could not be opened or written' },
  REPORT_FAILED: { exit: 8, summary: 'a report could not be produced' },
  ARCHIVE_TAMPERED: { exit: 9, summary: 'the report archive does not verify' },
  ALERT_FAILED: { exit: 10, summary: 'an alert channel (email, webhook) could not deliver' },
  INTERNAL: { exit: 70, summary: 'an unexpected internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit code of a job whose run ended `failed` (also used by `agent run-job`). */
export const EXIT_JOB_FAILED = 1;

/** The single error class of the project: a code from the table, a message, an optional cause. */
export class SynError extends Error {
  readonly code: ErrorCode;
  /** A permanent error will not go away by retrying (e.g. SMTP 5xx, a bad password). */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; permanent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SynError';
    this.code = code;
    this.permanent = options.permanent ?? true;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** True when `e` is a SynError, optionally with the given code. */
export function isSynError(e: unknown, code?: ErrorCode): e is SynError {
  return e instanceof SynError && (code === undefined || e.code === code);
}

/** A one-line message for any thrown value, following `cause` chains. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      // A wrapper often repeats its cause's text already: say each thing once.
      const message = cur.message;
      if (message && !parts.some((p) => p.includes(message))) parts.push(message);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(': ');
}
