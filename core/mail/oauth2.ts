import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { SynError, type ErrorCode } from '../errors.ts';
import { runProcess, type ProcessRunner } from '../process.ts';

/**
 * Where an OAuth2 access token comes from (Microsoft 365 and Gmail no longer take passwords for
 * SMTP and IMAP). Synecdoche never holds a refresh token or a client secret: a tool of the
 * user's gets the token, and we only read it. Shared by the agent's SMTP and the collector's IMAP.
 */
export const OAuth2Config = z.union([
  z
    .object({ tokenFile: z.string().min(1).describe('file holding the current access token (first line, or JSON with access_token); read again at every sign-in') })
    .strict(),
  z
    .object({
      tokenCommand: z.array(z.string().min(1)).min(1).describe('command (program and arguments) that prints an access token, or JSON with access_token and expires_in'),
      refreshBeforeSeconds: z.number().int().min(0).default(300).describe('run the command again this long before the token expires (when it printed expires_in)'),
    })
    .strict(),
], { error: 'expected { tokenFile: PATH } or { tokenCommand: [PROGRAM, ARGS...], refreshBeforeSeconds?: SECONDS }' });
export type OAuth2Config = z.infer<typeof OAuth2Config>;

/** An access token, and when it expires when the source said so. */
export interface AccessToken {
  token: string;
  expiresAt?: Date;
}

/** How a token source reports failure: the error code of its side (SMTP_FAILED, MAILBOX_FAILED) and a prefix. */
export interface TokenSourceOptions {
  code: ErrorCode;
  where: string;
  clock?: Clock;
  runner?: ProcessRunner;
}

/**
 * Gives the access token for one sign-in. A command's token that came with `expires_in` is kept
 * until `refreshBeforeSeconds` before it expires; without one the command runs at every sign-in
 * (token helpers cache on their own). A file is read at every sign-in: another program keeps it
 * current. `get(true)` (the server refused the last token) always fetches anew.
 *
 * A token source that fails (missing file, command exits non-zero) is a transient error of its
 * side, not a config error: sending or reading may work once the helper works again. The token
 * itself never appears in an error or a log line.
 */
export class AccessTokenSource {
  private cached: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private readonly clock: Clock;
  private readonly runner: ProcessRunner;

  constructor(
    private readonly cfg: OAuth2Config,
    private readonly options: TokenSourceOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.runner = options.runner ?? runProcess;
  }

  /** "token file /path" or "token command get-token": names the source in messages. */
  describe(): string {
    return 'tokenFile' in this.cfg ? `token file ${this.cfg.tokenFile}` : `token command "${this.cfg.tokenCommand[0]}"`;
  }

  async get(renew = false): Promise<AccessToken> {
    if (!renew && this.cached && this.fresh(this.cached)) return this.cached;
    // Two sign-ins at once run the command once.
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    const token = await this.inFlight;
    this.cached = 'tokenCommand' in this.cfg && token.expiresAt ? token : undefined;
    return token;
  }

  private fresh(t: AccessToken): boolean {
    const margin = 'refreshBeforeSeconds' in this.cfg ? this.cfg.refreshBeforeSeconds * 1000 : 0;
    return t.expiresAt !== undefined && this.clock.now().getTime() < t.expiresAt.getTime() - margin;
  }

  private async fetch(): Promise<AccessToken> {
    const text = 'tokenFile' in this.cfg ? this.readFile(this.cfg.tokenFile) : await this.runCommand(this.cfg.tokenCommand);
    const parsed = parseTokenOutput(text, this.clock.now());
    if (typeof parsed === 'string') throw this.fail(`the OAuth2 ${this.describe()} ${parsed}`);
    return parsed;
  }

  private readFile(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw this.fail(`cannot read the OAuth2 token file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
    }
  }

  private async runCommand(argv: readonly string[]): Promise<string> {
    const [command, ...args] = argv;
    let r;
    try {
      r = await this.runner(command!, args, { maxOutputBytes: 64 * 1024 });
    } catch (e) {
      throw this.fail(`cannot start the OAuth2 token command "${command}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
    }
    if (r.exitCode !== 0) {
      // stderr is the helper's own explanation ("refresh token expired"); stdout may hold a token, so it is never shown.
      const err = r.stderr.toString('utf8').trim().split('\n').slice(-3).join(' / ');
      throw this.fail(`the OAuth2 token command "${command}" exited ${r.exitCode ?? r.signal}${err ? `: ${err}` : ''}`);
    }
    return r.stdout.toString('utf8');
  }

  private fail(message: string, cause?: unknown): SynError {
    return new SynError(this.options.code, `${this.options.where}: ${message}`, { cause, permanent: false });
  }
}

/**
 * Reads a token helper's output: a bare token on the first non-empty line, or a JSON token
 * response (`access_token` or `accessToken`, with `expires_in` seconds or `expires_on` epoch
 * seconds). Returns the token, or what is wrong with the output (never the output itself).
 */
export function parseTokenOutput(text: string, now: Date): AccessToken | string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return 'printed text that starts like JSON but is not valid JSON';
    }
    const token = json.access_token ?? json.accessToken;
    if (typeof token !== 'string' || !isToken(token)) return 'printed JSON without an "access_token" string';
    const expiresIn = Number(json.expires_in);
    const expiresOn = Number(json.expires_on);
    const expiresAt = Number.isFinite(expiresIn) && json.expires_in !== undefined ? new Date(now.getTime() + expiresIn * 1000) : Number.isFinite(expiresOn) && json.expires_on !== undefined ? new Date(expiresOn * 1000) : undefined;
    return expiresAt ? { token, expiresAt } : { token };
  }
  const line = trimmed.split(/\r?\n/)[0]?.trim() ?? '';
  if (line === '') return 'gave no token (empty output)';
  if (!isToken(line)) return 'gave a first line that is not a token (it holds spaces or control characters)';
  return { token: line };
}

/** Access tokens are printable ASCII without spaces (RFC 6750 b64token, JWTs, Google's ya29.*). */
function isToken(s: string): boolean {
  return /^[\x21-\x7e]+$/.test(s);
}
