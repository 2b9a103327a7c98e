import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { resolveSecret, SecretRef } from '../config.ts';
import { isSynError, SynError } from '../errors.ts';
import type { ProcessRunner } from '../process.ts';
import { AccessTokenSource, OAuth2Config } from './oauth2.ts';

/** SMTP settings shared by the agent (reports) and the collector (digests, alerts). */
export const SmtpConfig = z
  .object({
    host: z.string().min(1).describe('SMTP server name or address'),
    port: z.number().int().min(1).max(65535).optional().describe('default: 465 for tls "implicit", 587 for "starttls", 25 for "none"'),
    tls: z.enum(['implicit', 'starttls', 'none']).default('starttls').describe('implicit TLS, STARTTLS (required) or plain'),
    rejectUnauthorized: z.boolean().default(true).describe('false accepts a self-signed server certificate'),
    user: z.string().min(1).optional().describe('login name; give it with "password" or with "oauth2"'),
    password: SecretRef.optional(),
    oauth2: OAuth2Config.optional().describe('sign in with XOAUTH2 and an OAuth2 access token (Microsoft 365, Gmail) instead of a password'),
    timeoutSeconds: z.number().positive().default(30),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.password && s.oauth2) ctx.addIssue({ code: 'custom', path: ['oauth2'], message: 'give "password" or "oauth2", not both' });
    else if (s.user === undefined && (s.password || s.oauth2)) ctx.addIssue({ code: 'custom', path: ['user'], message: `a login name is required with "${s.password ? 'password' : 'oauth2'}"` });
    else if (s.user !== undefined && !s.password && !s.oauth2) ctx.addIssue({ code: 'custom', path: ['user'], message: 'give "password" or "oauth2" with "user" (or leave all three out)' });
  });
export type SmtpConfig = z.infer<typeof SmtpConfig>;

/** The mail-sending seam: production uses SMTP, tests may pass any nodemailer transport. */
export interface MailSender {
  send(message: SendMailOptions): Promise<{ messageId: string; response: string }>;
  verify(): Promise<void>;
  close(): void;
}

/** What the OAuth2 token source runs on: the clock (token expiry) and the process seam (token command). */
export interface SmtpSenderOptions {
  clock?: Clock;
  runner?: ProcessRunner;
}

/** How `cfg` signs in, in words for `agent check`: "XOAUTH2 sign-in as x", "password sign-in as x", or undefined. */
export function smtpSignIn(cfg: SmtpConfig): string | undefined {
  return cfg.user === undefined ? undefined : `${cfg.oauth2 ? 'XOAUTH2' : 'password'} sign-in as ${cfg.user}`;
}

/**
 * Builds a sender over nodemailer's SMTP transport. A password is resolved here, once; an OAuth2
 * token is fetched at each sign-in (see `AccessTokenSource`).
 */
export function smtpSender(cfg: SmtpConfig, env: NodeJS.ProcessEnv, options: SmtpSenderOptions = {}): MailSender {
  const port = cfg.port ?? (cfg.tls === 'implicit' ? 465 : cfg.tls === 'starttls' ? 587 : 25);
  const where = `${cfg.host}:${port}`;
  const base: SMTPTransport.Options = {
    host: cfg.host,
    port,
    secure: cfg.tls === 'implicit',
    requireTLS: cfg.tls === 'starttls',
    ignoreTLS: cfg.tls === 'none',
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    connectionTimeout: cfg.timeoutSeconds * 1000,
    greetingTimeout: cfg.timeoutSeconds * 1000,
    socketTimeout: cfg.timeoutSeconds * 1000,
    logger: false,
  };
  if (cfg.oauth2 && cfg.user) {
    const tokens = new AccessTokenSource(cfg.oauth2, { code: 'SMTP_FAILED', where: `SMTP ${where}: smtp.oauth2`, ...options });
    return oauth2Sender(base, cfg.user, where, tokens);
  }
  const auth = cfg.user && cfg.password ? { user: cfg.user, pass: resolveSecret(cfg.password, 'smtp.password', env) } : undefined;
  return transporterSender(nodemailer.createTransport({ ...base, auth }), where, cfg.user);
}

/** Wraps any nodemailer transporter as a MailSender, turning its errors into SMTP_FAILED. */
export function transporterSender(t: Transporter, where: string, user?: string): MailSender {
  return {
    async send(message) {
      try {
        return sentInfo(await t.sendMail(message));
      } catch (e) {
        throw smtpError(e, where, user);
      }
    },
    async verify() {
      try {
        await t.verify();
      } catch (e) {
        throw smtpError(e, where, user);
      }
    },
    close() {
      t.close();
    },
  };
}

/**
 * XOAUTH2 sending. Each send or verify signs in on a transporter of its own with the token of
 * the moment, so a refreshed token is used from the next sign-in on without reaching into
 * nodemailer's cache. A refused token is retried once with a fresh one: Gmail says so with a
 * 334 challenge (nodemailer then asks `provisionCallback` with renew), Microsoft 365 with a
 * plain 535 (handled here). The same token again is not retried.
 */
function oauth2Sender(base: SMTPTransport.Options, user: string, where: string, tokens: AccessTokenSource): MailSender {
  const signedIn = async <T>(op: (t: Transporter) => Promise<T>): Promise<T> => {
    let renewedByServer = false;
    const attempt = async (accessToken: string) => {
      const t = nodemailer.createTransport({
        ...base,
        auth: {
          type: 'OAuth2',
          user,
          accessToken,
          provisionCallback: (_user, _renew, cb) => {
            renewedByServer = true;
            tokens.get(true).then(
              (fresh) => cb(null, fresh.token),
              // nodemailer rewrites the code of the error it is given: hand it a wrapper.
              (e: unknown) => cb(Object.assign(new Error((e as Error).message), { tokenError: e })),
            );
          },
        },
      });
      try {
        return await op(t);
      } finally {
        t.close();
      }
    };
    const first = await tokens.get();
    try {
      return await attempt(first.token);
    } catch (e) {
      if (!isAuthRefusal(e) || renewedByServer) throw smtpError(e, where, user, renewedByServer && isAuthRefusal(e) ? ' (also with a fresh token)' : '');
      const fresh = await tokens.get(true);
      if (fresh.token === first.token) throw smtpError(e, where, user, ` (the ${tokens.describe()} gave the same token again)`);
      try {
        return await attempt(fresh.token);
      } catch (e2) {
        throw smtpError(e2, where, user, isAuthRefusal(e2) ? ' (also with a fresh token)' : '');
      }
    }
  };
  return {
    send: (message) => signedIn(async (t) => sentInfo(await t.sendMail(message))),
    verify: () => signedIn(async (t) => void (await t.verify())),
    close: () => undefined,
  };
}

/** Errors of refused sign-ins (see `isSignInRefusal`). */
const refusals = new WeakSet<object>();

/**
 * True for a SMTP_FAILED error of a refused sign-in (wrong password or token): every further
 * message would be refused the same way, so a flush stops at the first, instead of signing in
 * once per waiting report (which can lock the account).
 */
export function isSignInRefusal(e: unknown): boolean {
  return typeof e === 'object' && e !== null && refusals.has(e);
}

function sentInfo(info: { messageId?: unknown; response?: unknown }): { messageId: string; response: string } {
  return { messageId: String(info.messageId ?? ''), response: String(info.response ?? '') };
}

function isAuthRefusal(e: unknown): boolean {
  const err = e as { code?: string; tokenError?: unknown };
  return err.code === 'EAUTH' && err.tokenError === undefined && (err as { response?: unknown }).response !== undefined;
}

/**
 * The error of a failed SMTP step. A refused sign-in names the method, the user and the server's
 * reply ("XOAUTH2 sign-in as x rejected: 535 ..."), so `agent check` and the outbox say which
 * credential to fix. nodemailer never puts the password or token into its messages.
 */
function smtpError(e: unknown, where: string, user?: string, note = ''): SynError {
  const tokenError = (e as { tokenError?: unknown }).tokenError;
  if (isSynError(tokenError)) return tokenError;
  const err = e as { responseCode?: number; code?: string; message?: string; command?: string; response?: string };
  // 5xx replies and authentication failures will not heal by retrying; network faults may.
  const permanent = (err.responseCode !== undefined && err.responseCode >= 500) || err.code === 'EAUTH';
  if (err.code === 'EAUTH' && err.response !== undefined) {
    const method = err.command?.replace(/^AUTH /, '') ?? 'AUTH';
    // No cause: nodemailer's "Invalid login: <reply>" would only repeat the reply in describeError.
    const refused = new SynError('SMTP_FAILED', `SMTP ${where}: ${method} sign-in as ${user ?? '?'} rejected: ${err.response}${note}`, { permanent });
    refusals.add(refused);
    return refused;
  }
  return new SynError('SMTP_FAILED', `SMTP ${where}: ${err.message ?? String(e)}${note}`, { cause: e, permanent });
}
