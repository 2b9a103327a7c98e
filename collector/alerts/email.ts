import type { MailSender } from '../../core/mail/smtp.ts';
import { TemplateSet } from '../../core/templates.ts';
import type { CollectorConfig } from '../config.ts';
import type { AlertTransport } from './channel.ts';

/**
 * Alert emails to the consultant through the MailSender seam (nodemailer over SMTP in
 * production). HTML from `alert.html.hbs` (escaped), text from `alert.text.hbs`; a consultant's
 * template folder overrides either.
 */
export function emailTransport(sender: MailSender, cfg: CollectorConfig, templates = new TemplateSet(cfg.templates)): AlertTransport {
  return {
    name: 'email',
    async notify(m) {
      await sender.send({
        from: { name: 'Synecdoche', address: cfg.consultant.email },
        to: cfg.consultant.email,
        subject: m.subject,
        text: templates.render('alert.text.hbs', m),
        html: templates.render('alert.html.hbs', m),
        headers: { 'X-Synecdoche-Alert': m.kind, 'X-Synecdoche-Problem': m.problem },
      });
    },
  };
}
