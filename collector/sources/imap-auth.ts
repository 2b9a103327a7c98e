import type { Clock } from '../../core/clock.ts';
import { resolveSecret } from '../../core/config.ts';
import { AccessTokenSource } from '../../core/mail/oauth2.ts';
import { runProcess, type ProcessRunner } from '../../core/process.ts';
import type { ImapMailboxConfig } from '../config.ts';

/** What an IMAP login needs besides the user name: a password or an OAuth2 access token. */
export type ImapCredentials = { password: string } | { accessToken: string };

/**
 * Gives the credentials for one connection attempt. `renew` is set when the server refused the
 * last access token: the token is then fetched anew (a password is what it is).
 */
export type CredentialsProvider = (renew?: boolean) => Promise<ImapCredentials>;

/**
 * The credentials provider for a configured mailbox. A password is resolved once, now (a
 * missing secret is a CONFIG_INVALID at start). A token comes from `AccessTokenSource` at every
 * connect: from its file, or from its command (kept until shortly before it expires when the
 * command said when). A token helper that fails is MAILBOX_FAILED (the mailbox cannot be read
 * now, and may be once the helper works again), never a config error.
 */
export function imapCredentials(
  cfg: Pick<ImapMailboxConfig, 'name' | 'auth'>,
  env: NodeJS.ProcessEnv,
  runner: ProcessRunner = runProcess,
  clock?: Clock,
): CredentialsProvider {
  const auth = cfg.auth;
  if ('password' in auth) {
    const password = resolveSecret(auth.password, `mailboxes.${cfg.name}.auth.password`, env);
    return async () => ({ password });
  }
  const tokens = new AccessTokenSource(auth.oauth2, { code: 'MAILBOX_FAILED', where: `mailbox ${cfg.name}`, runner, clock });
  return async (renew = false) => ({ accessToken: (await tokens.get(renew)).token });
}
