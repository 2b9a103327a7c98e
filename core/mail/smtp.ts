import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { z } from 'zod';
import { resolveSecret, SecretRef } from '../config.ts';
import { SynError } from '../errors.ts';

/** SMTP settings shared by the agent (reports) and the collector (digests, alerts). */
export const SmtpConfig = z
  .object({
    host: z.string().min(1).describe('SMTP server name or address'),
    port: z.number().int().min(1).max(65535).optional().describe('default: 465 for tls "implicit", 587 for "starttls", 25 for "none"'),
    tls: z.enum(['implicit', 'starttls', 'none']).default('starttls').describe('implicit TLS, STARTTLS (required) or plain'),
    rejectUnauthorized: z.boolean().default(true).describe('false accepts a self-signed server certificate'),
    user: z.string().min(1).optional(),
    password: SecretRef.optional(),
    timeoutSeconds: z.number().positive().default(30),
  })
  .strict()
  .refine((s) => (s.user === undefined) === (s.password === undefined), 'give both "user" and "password", or neither');
export type SmtpConfig = z.infer<typeof SmtpConfig>;

/** The mail-sending seam: production uses SMTP, tests may pass any nodemailer transport. */
export interface MailSender {
  send(message: SendMailOptions): Promise<{ messageId: string; response: string }>;
  verify(): Promise<void>;
  close(): void;
}

/** Builds a sender over nodemailer's SMTP transport. The password is resolved here, once. */
export function smtpSender(cfg: SmtpConfig, env: NodeJS.ProcessEnv): MailSender {
  const port = cfg.port ?? (cfg.tls === 'implicit' ? 465 : cfg.tls === 'starttls' ? 587 : 25);
  const auth = cfg.user && cfg.password ? { user: cfg.user, pass: resolveSecret(cfg.password, 'smtp.password', env) } : undefined;
  const t: Transporter = nodemailer.createTransport({
    host: cfg.host,
    port,
    secure: cfg.tls === 'implicit',
    requireTLS: cfg.tls === 'starttls',
    ignoreTLS: cfg.tls === 'none',
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    auth,
    connectionTimeout: cfg.timeoutSeconds * 1000,
    greetingTimeout: cfg.timeoutSeconds * 1000,
    socketTimeout: cfg.timeoutSeconds * 1000,
    logger: false,
  });
  return transporterSender(t, `${cfg.host}:${port}`);
}

/** Wraps any nodemailer transporter as a MailSender, turning its errors into SMTP_FAILED. */
export function transporterSender(t: Transporter, where: string): MailSender {
  return {
    async send(message) {
      try {
        const info = await t.sendMail(message);
        return { messageId: String(info.messageId ?? ''), response: String(info.response ?? '') };
      } catch (e) {
        throw smtpError(e, where);
      }
    },
    async verify() {
      try {
        await t.verify();
      } catch (e) {
        throw smtpError(e, where);
      }
    },
    close() {
      t.close();
    },
  };
}

function smtpError(e: unknown, where: string): SynError {
  const err = e as { responseCode?: number; code?: string; message?: string };
  // 5xx replies and authentication failures will not heal by retrying; network faults may.
  const permanent = (err.responseCode !== undefined && err.responseCode >= 500) || err.code === 'EAUTH';
  return new SynError('SMTP_FAILED', `SMTP ${where}: ${err.message ?? String(e)}`, { cause: e, permanent });
}
