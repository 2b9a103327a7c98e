import { Option, type Command } from 'commander';
import type { CliContext } from '../../cli/main.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import { loadCollectorConfig, type CollectorConfig, type MailboxConfig } from '../config.ts';
import { MaildirSource } from '../sources/maildir.ts';
import type { MailSource } from '../sources/types.ts';
import { openStore, type Db } from '../store/db.ts';

/** The seams of the collector commands; tests replace some (a fake clock, a failing source). */
export interface CollectorCliDeps {
  clock: Clock;
  sourceFor: (mailbox: MailboxConfig, env: NodeJS.ProcessEnv, log: Logger) => MailSource | Promise<MailSource>;
  /** Stops `collector run`; by default SIGTERM and SIGINT. */
  stopSignal?: AbortSignal;
  /** Called after each pass over a mailbox in `collector run` (the digest scheduler plugs in here). */
  onAfterPoll?: (loaded: Loaded) => Promise<void>;
  /** First pause after a mailbox failure in `collector run`, doubling up to 5 minutes (default 1 s). */
  backoffMinMs?: number;
  /** Where `collector user add` reads the password (default process.stdin). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Builds the MailSource of a configured mailbox; imapflow loads only when an IMAP mailbox is used. */
export async function sourceFor(mailbox: MailboxConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<MailSource> {
  if (mailbox.type === 'maildir') return new MaildirSource(mailbox);
  const [{ ImapSource }, { imapCredentials }] = await Promise.all([import('../sources/imap.ts'), import('../sources/imap-auth.ts')]);
  return new ImapSource(mailbox, imapCredentials(mailbox, env), { logger: log });
}

export const collectorCommandDefaults: CollectorCliDeps = { clock: systemClock, sourceFor };

/** The default config path: `collector.yaml` in the current folder (override with -c). */
export const DEFAULT_CONFIG = 'collector.yaml';

export interface CommonOptions {
  config: string;
  logLevel?: string;
  json?: boolean;
}

/** What every collector command works with, built once before it does anything. */
export interface Loaded {
  cfg: CollectorConfig;
  db: Db;
  log: Logger;
  clock: Clock;
  out: (line: string) => void;
  /** One line of progress, rewritten in place; only when stdout is a terminal (null clears it). */
  live?: (line: string | null) => void;
}

export function withCommon(c: Command, opts: { json?: boolean } = {}): Command {
  c.addOption(new Option('-c, --config <file>', 'collector config file').default(DEFAULT_CONFIG)).addOption(
    new Option('--log-level <level>', 'log level of the JSON log on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
  );
  if (opts.json) c.option('--json', 'print JSON instead of a table');
  return c;
}

export interface LoadOptions {
  /** Log level when --log-level is not given (default "error"). */
  defaultLevel?: string;
  /** A reading command: the database is memory-mapped (see openStore). */
  mapped?: boolean;
}

/** Loads the config (exit 2 on a mistake) and opens the database (exit 7). The caller closes `db`. */
export function load(ctx: CliContext, deps: CollectorCliDeps, o: CommonOptions, { defaultLevel = 'error', mapped = false }: LoadOptions = {}): Loaded {
  const cfg = loadCollectorConfig(o.config);
  const log = createLogger({ level: o.logLevel ?? defaultLevel, destination: ctx.stderr });
  const db = openStore(cfg.database.path, { mapped });
  let showing = false;
  const live = ctx.stdout.isTTY
    ? (line: string | null) => {
        if (line === null && !showing) return;
        showing = line !== null;
        ctx.stdout.write(`\r\x1b[K${line ?? ''}`);
      }
    : undefined;
  return { cfg, db, log, clock: deps.clock, out: (line) => ctx.stdout.write(`${line}\n`), live };
}

/** Runs `fn` with a loaded collector and always closes the database. */
export async function withLoaded<T>(ctx: CliContext, deps: CollectorCliDeps, o: CommonOptions, fn: (l: Loaded) => Promise<T> | T, options?: LoadOptions): Promise<T> {
  const l = load(ctx, deps, o, options);
  try {
    return await fn(l);
  } finally {
    l.db.close();
  }
}

/** Pretty JSON for --json output. */
export function printJson(l: Pick<Loaded, 'out'>, value: unknown): void {
  l.out(JSON.stringify(value, null, 2));
}
