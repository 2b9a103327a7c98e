import { readFileSync } from 'node:fs';
import { resolveSecret } from '../../core/config.ts';
import { SynError } from '../../core/errors.ts';
import { runProcess, type ProcessRunner } from '../../core/process.ts';
import type { ImapMailboxConfig } from '../config.ts';

/** What an IMAP login needs besides the user name: a password or an OAuth2 access token. */
export type ImapCredentials = { password: string } | { accessToken: string };

/**
 * Gives the credentials for one connection attempt. OAuth2 access tokens expire within the hour
 * and are refreshed by another program, so they are read again before every connect.
 */
export type CredentialsProvider = () => Promise<ImapCredentials>;

type OAuth2Source = { tokenFile: string } | { tokenCommand: string[] };

/**
 * Reads an OAuth2 access token from its file or from the output of its command (first non-empty
 * line). A missing file or a failing command is MAILBOX_FAILED, not a config error: the mailbox
 * cannot be read now, and may be readable once the token helper works again.
 */
export async function resolveAccessToken(source: OAuth2Source, where: string, runner: ProcessRunner = runProcess): Promise<string> {
  let text: string;
  if ('tokenFile' in source) {
    try {
      text = readFileSync(source.tokenFile, 'utf8');
    } catch (e) {
      throw new SynError('MAILBOX_FAILED', `${where}: cannot read the OAuth2 token file ${source.tokenFile}`, { cause: e, permanent: false });
    }
  } else {
    const [command, ...args] = source.tokenCommand;
    let r;
    try {
      r = await runner(command!, args, { maxOutputBytes: 64 * 1024 });
    } catch (e) {
      throw new SynError('MAILBOX_FAILED', `${where}: cannot start the OAuth2 token command "${command}"`, { cause: e, permanent: false });
    }
    if (r.exitCode !== 0) {
      const err = r.stderr.toString('utf8').trim().split('\n').slice(-3).join(' / ');
      throw new SynError('MAILBOX_FAILED', `${where}: the OAuth2 token command "${command}" exited ${r.exitCode ?? r.signal}${err ? `: ${err}` : ''}`, { permanent: false });
    }
    text = r.stdout.toString('utf8');
  }
  const token = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  if (!token) throw new SynError('MAILBOX_FAILED', `${where}: the OAuth2 token ${'tokenFile' in source ? `file ${source.tokenFile}` : 'command'} gave no token`, { permanent: false });
  return token;
}

/**
 * The credentials provider for a configured mailbox. A password is resolved once, now (a
 * missing secret is a CONFIG_INVALID at start); a token is resolved at every connect.
 */
export function imapCredentials(cfg: Pick<ImapMailboxConfig, 'name' | 'auth'>, env: NodeJS.ProcessEnv, runner: ProcessRunner = runProcess): CredentialsProvider {
  const auth = cfg.auth;
  if ('password' in auth) {
    const password = resolveSecret(auth.password, `mailboxes.${cfg.name}.auth.password`, env);
    return async () => ({ password });
  }
  return async () => ({ accessToken: await resolveAccessToken(auth.oauth2, `mailbox ${cfg.name}`, runner) });
}
