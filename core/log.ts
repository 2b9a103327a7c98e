import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The structured logger. Secrets are redacted by key wherever they appear, so that a config
 * object or an SMTP option set can be logged without leaking a password or token.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: {
        paths: ['password', '*.password', '*.*.password', 'pass', '*.pass', '*.*.pass', 'auth.pass', 'accessToken', '*.accessToken', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}

/** A logger that writes nothing (tests, --quiet). */
export const silentLogger: Logger = pino({ level: 'silent' });
